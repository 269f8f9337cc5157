/**
 * Machines and systems have several spellings (Node's `x64`, Windows' `AMD64`, macOS's `arm64`,
 * Python's `win32`); compare them in one vocabulary: Python's `platform.machine()` on Linux and
 * `platform.system().lower()`.
 */
export function normalizeMachine(machine: string): string {
  const lower = machine.toLowerCase();
  if (lower === "x64" || lower === "amd64" || lower === "x86-64") return "x86_64";
  if (lower === "arm64") return "aarch64";
  return lower;
}

export function normalizeOs(os: string): string {
  const lower = os.toLowerCase();
  if (lower === "win32" || lower === "cygwin") return "windows";
  return lower;
}
