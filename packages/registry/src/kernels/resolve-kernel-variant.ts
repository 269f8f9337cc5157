import { checkKernelArchs } from "./check-kernel-archs.js";
import { checkKernelVariant } from "./check-kernel-variant.js";
import { compareKeys, kernelPreferenceKey } from "./kernel-preference.js";
import type { KernelSystem, KernelVariant, KernelVariantResolution } from "./kernel-variant.js";
import { InvalidKernelVariantError, parseKernelVariant } from "./parse-kernel-variant.js";

/**
 * Picks the build variant of a kernels-community repo that huggingface/kernels would load on
 * `system` (same grammar, acceptance, order and reasons as its `resolve_variants`), then also
 * rejects variants whose `archs` (from their `metadata.json`) cannot run on the GPU's compute
 * capability. Names kernels cannot parse are skipped (kernels logs and drops them) and listed last.
 */
export function resolveKernelVariant(
  variants: readonly string[],
  system: KernelSystem,
  archs?: Record<string, string[]>,
): KernelVariantResolution {
  const decided: { variant: KernelVariant; ok: boolean; reasons: string[]; key: number[] }[] = [];
  const invalid: KernelVariantResolution["trace"] = [];
  for (const name of variants) {
    let variant: KernelVariant;
    try {
      variant = parseKernelVariant(name);
    } catch (error) {
      if (!(error instanceof InvalidKernelVariantError)) throw error;
      invalid.push({
        variant: name,
        ok: false,
        reasons: [`not a valid build variant (${error.message}); kernels skips it`],
      });
      continue;
    }
    const reason =
      checkKernelVariant(variant, system) ??
      checkKernelArchs(variant, archs?.[name], system.computeCapability);
    const ok = reason === null;
    decided.push({ variant, ok, reasons: ok ? [] : [reason], key: kernelPreferenceKey(variant, ok) });
  }
  // Array.prototype.sort is stable, like Python's sorted: ties keep the order given.
  decided.sort((a, b) => compareKeys(a.key, b.key));
  const trace = [
    ...decided.map(({ variant, ok, reasons }) => ({ variant: variant.name, ok, reasons })),
    ...invalid,
  ];
  return { variant: trace[0]?.ok ? trace[0].variant : null, trace };
}
