import { readFileSync } from "node:fs";

/**
 * CPU features -> the ISA names AOTInductor writes into AOTI_CPU_ISA: codecache.py writes
 * `str(pick_vec_isa()).upper()`, and cpu_vec_isa.py's classes stringify as "avx2", "avx512",
 * "avx512 avx512_vnni", "avx512 avx512_vnni amx_tile", "asimd" (VecNEON and VecSVE). Each name needs the features behind
 * the compiler flags of its class (-mavx2 -mfma -mf16c; -mavx512f -mavx512dq -mavx512vl -mavx512bw
 * -mfma; + -mavx512vnni; + -mamx-tile -mamx-bf16 -mamx-int8).
 */
const ISA_REQUIREMENTS: readonly (readonly [string, readonly string[]])[] = [
  ["AVX2", ["avx2", "fma", "f16c"]],
  ["AVX512", ["avx512f", "avx512dq", "avx512vl", "avx512bw", "fma"]],
  ["AVX512_VNNI", ["avx512f", "avx512dq", "avx512vl", "avx512bw", "fma", "avx512_vnni"]],
  [
    "AMX_TILE",
    ["avx512f", "avx512dq", "avx512vl", "avx512bw", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"],
  ],
  ["ASIMD", ["asimd"]],
];

/** AOTI's marker for scalar code, which needs no vector ISA. */
const NO_ISA = "INVALID_VEC_ISA";

/** The AOTI ISA names a CPU with these /proc/cpuinfo flags (x86 "flags", arm "Features") can run. */
export function cpuIsaFromFlags(flags: Iterable<string>): string[] {
  const have = new Set(flags);
  return ISA_REQUIREMENTS.filter(([, needs]) => needs.every((f) => have.has(f))).map(([name]) => name);
}

/** The AOTI ISA names of this machine's CPU, read from /proc/cpuinfo (the kernel hides features the OS cannot save). */
export function detectCpuIsa(cpuinfoPath = "/proc/cpuinfo"): string[] {
  let text: string;
  try {
    text = readFileSync(cpuinfoPath, "utf8");
  } catch {
    return [];
  }
  const line = text.split("\n").find((l) => /^(flags|Features)\s*:/.test(l));
  return line === undefined
    ? []
    : cpuIsaFromFlags(
        line
          .slice(line.indexOf(":") + 1)
          .trim()
          .split(/\s+/),
      );
}

/** The names in an AOTI_CPU_ISA value (e.g. "AVX512 AVX512_VNNI") that `available` lacks. */
export function missingCpuIsa(required: string | undefined, available: readonly string[]): string[] {
  if (required === undefined) return [];
  const have = new Set(available.map((name) => name.toUpperCase()));
  return required
    .split(/\s+/)
    .map((name) => name.toUpperCase())
    .filter((name) => name !== "" && name !== NO_ISA && !have.has(name));
}
