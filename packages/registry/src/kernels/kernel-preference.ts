import type { KernelVariant } from "./kernel-variant.js";

/**
 * kernels' preference key (`_sort_variants`), compared as a tuple, lower first: accepted before
 * rejected; stable-ABI builds (newest ABI first), then torch builds (untagged before ABI-tagged),
 * then tvm-ffi and noarch (tvm-ffi's key carries the negated backend minor, noarch 0 or 1 for
 * `universal`); within a group the higher backend minor wins. Ties keep input order, as Python's
 * stable sort does.
 */
export function kernelPreferenceKey(variant: KernelVariant, accepted: boolean): number[] {
  const decision = accepted ? 0 : 1;
  if (variant.kind === "noarch") return [decision, 2, 0, 0, variant.backendName === "universal" ? 1 : 0];
  const backendOrder = "minor" in variant.backend ? -variant.backend.minor : 0;
  const framework = variant.framework;
  if (framework.kind === "torch-stable-abi")
    return [decision, 0, -framework.major, -framework.minor, backendOrder];
  if (framework.kind === "torch") return [decision, 1, 0, framework.cxx11Abi === null ? 0 : 1, backendOrder];
  return [decision, 2, 0, 0, backendOrder];
}

export function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
