/** Python's `repr` of a str (what kernels' messages show), for the plain names variants use. */
export function pythonRepr(value: string): string {
  return value.includes("'") && !value.includes('"') ? `"${value}"` : `'${value.replaceAll("'", "\\'")}'`;
}

export function pythonListRepr(values: string[]): string {
  return `[${values.map(pythonRepr).join(", ")}]`;
}

/** How `str()` shows an optional bool or version in kernels' reasons. */
export function pythonOptional(value: string | boolean | null): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  return value;
}
