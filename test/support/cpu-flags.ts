import { readFileSync } from "node:fs";
import { arch } from "node:os";

// What this CPU can run, read by the tests themselves from /proc/cpuinfo, never through the code
// under test (native's detectCpuIsa/missingCpuIsa), so a wrong answer there shows up as a failure
// here instead of choosing the branch that agrees with it.

/** The x86 "flags" (or arm "Features") of the first CPU in /proc/cpuinfo; empty where unreadable. */
export function cpuFlags(): Set<string> {
  let text = "";
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return new Set();
  }
  const line = text.split("\n").find((l) => /^(flags|Features)\s*:/.test(l)) ?? "";
  return new Set(
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean),
  );
}

const AVX512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "fma"];

/**
 * The vector ISA torch's inductor compiles for on this CPU, lower-case as it names it
 * (`str(pick_vec_isa())`, torch/_inductor/cpu_vec_isa.py): the first of VecAMX, VecAVX512VNNI,
 * VecAVX512, VecAVX2 whose features the CPU has. The export helper joins it with "-" in the
 * artifact folder (`aoti/cpu-<isa>-torch<minor>/...`).
 */
export function inductorCpuIsa(flags = cpuFlags()): string[] {
  const has = (...names: string[]) => names.every((n) => flags.has(n));
  if (arch() !== "x64") return [];
  if (has(...AVX512, "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8")) {
    return ["avx512", "avx512_vnni", "amx_tile"];
  }
  if (has(...AVX512, "avx512_vnni")) return ["avx512", "avx512_vnni"];
  if (has(...AVX512)) return ["avx512"];
  if (has("avx2", "fma", "f16c")) return ["avx2"];
  return [];
}

/** Whether this CPU has what an AOTI_CPU_ISA value (e.g. "AVX512 AVX512_VNNI") asks for. */
export function cpuRunsIsa(required: string, flags = cpuFlags()): boolean {
  const needs: Record<string, string[]> = {
    AVX2: ["avx2", "fma", "f16c"],
    AVX512: AVX512,
    AVX512_VNNI: [...AVX512, "avx512_vnni"],
    AMX_TILE: [...AVX512, "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"],
  };
  return required
    .split(/\s+/)
    .filter(Boolean)
    .every((name) => (needs[name] ?? [`<unknown ISA ${name}>`]).every((f) => flags.has(f)));
}
