import type { KernelSystem } from "./kernel-variant.js";

/** The backend kernels selects for a system: CUDA at torch's CUDA version, else CPU. */
export type SystemBackend =
  | { name: "cuda"; major: number; minor: number; text: string; variantStr: string }
  | { name: "cpu"; variantStr: "cpu" };

export function systemBackend(system: KernelSystem): SystemBackend {
  if (system.cuda === null) return { name: "cpu", variantStr: "cpu" };
  const numbers = system.cuda.split(".").map(Number);
  const major = numbers[0] ?? 0;
  const minor = numbers[1] ?? 0;
  // str(packaging.version.Version("12.8")) is "12.8": the numbers joined, leading zeros dropped.
  return { name: "cuda", major, minor, text: numbers.join("."), variantStr: `cu${major}${minor}` };
}

/** kernels strips torch's version to major.minor ("2.8.0+cu128" -> "2.8"); null when absent. */
export function systemMajorMinor(
  version: string | null | undefined,
): { major: number; minor: number } | null {
  if (version === null || version === undefined) return null;
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match === null ? null : { major: Number(match[1]), minor: Number(match[2]) };
}
