export { kernelSystemOf } from "./kernel-system-of.js";
export type {
  KernelBackend,
  KernelFramework,
  KernelSystem,
  KernelVariant,
  KernelVariantDecision,
  KernelVariantResolution,
} from "./kernel-variant.js";
export { InvalidKernelVariantError, parseKernelVariant } from "./parse-kernel-variant.js";
export { resolveKernelVariant } from "./resolve-kernel-variant.js";
