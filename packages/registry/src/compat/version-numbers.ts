/** "13.0" -> [13, 0]; "12.8.1" -> [12, 8, 1]; null when not dotted numbers. */
export function parseVersionNumbers(text: string): number[] | null {
  if (!/^\d+(\.\d+)*$/.test(text.trim())) return null;
  return text.trim().split(".").map(Number);
}

export function compareVersionNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
