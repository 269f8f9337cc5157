import { AotihubError } from "../errors/aotihub-error.js";
import type { KernelBackend, KernelFramework, KernelVariant } from "./kernel-variant.js";
import { pythonListRepr, pythonRepr } from "./python-repr.js";

/**
 * What kernels raises for a name it cannot parse; such variants are skipped, never chosen. The
 * message is kernels' own, word for word.
 */
export class InvalidKernelVariantError extends AotihubError {
  constructor(kernelsMessage: string) {
    super("AOTIHUB_KERNEL_VARIANT_INVALID", kernelsMessage);
  }
}

/**
 * Parses a build variant name with kernels' grammar (`parse_variant`): `torch-stable-abi29-...`
 * first, then noarch `torch-<backend>`, then `torchXY[-cxx11|-cxx98]-<backend>-<cpu>-<os>`, then
 * `tvm-ffiXY-<backend>-<cpu>-<os>`. Throws `InvalidKernelVariantError` with kernels' message.
 */
export function parseKernelVariant(name: string): KernelVariant {
  const parts = name.split("-");
  if (name.startsWith("torch-stable-abi")) {
    const framework = parseVersioned(
      parts.slice(0, 3).join("-"),
      /^torch-stable-abi(\d)(\d+)$/,
      "Torch stable ABI",
    );
    return arch(name, { kind: "torch-stable-abi", ...framework }, parts.slice(3));
  }
  if (parts[0] === "torch") return { kind: "noarch", name, backendName: parts.slice(1).join("-") };
  if (parts[0]?.startsWith("torch")) {
    const tagged = parts.length >= 2 && (parts[1] === "cxx11" || parts[1] === "cxx98");
    const text = tagged ? `${parts[0]}-${parts[1]}` : parts[0];
    const match = /^torch(\d)(\d+)(?:-(cxx11|cxx98))?$/.exec(text);
    if (match === null)
      throw new InvalidKernelVariantError(`Invalid Torch variant string: ${pythonRepr(text)}`);
    const framework: KernelFramework = {
      kind: "torch",
      major: Number(match[1]),
      minor: Number(match[2]),
      cxx11Abi: match[3] === undefined ? null : match[3] !== "cxx98",
    };
    return arch(name, framework, parts.slice(tagged ? 2 : 1));
  }
  if (parts[0] === "tvm" && parts.length >= 2 && parts[1]?.startsWith("ffi")) {
    const framework = parseVersioned(`tvm-${parts[1]}`, /^tvm-ffi(\d+?)(\d+)$/, "TvmFfi");
    return arch(name, { kind: "tvm-ffi", ...framework }, parts.slice(2));
  }
  throw new InvalidKernelVariantError(`Unknown framework in variant string: ${pythonRepr(name)}`);
}

function parseVersioned(text: string, pattern: RegExp, what: string): { major: number; minor: number } {
  const match = pattern.exec(text);
  if (match === null)
    throw new InvalidKernelVariantError(`Invalid ${what} variant string: ${pythonRepr(text)}`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function arch(name: string, framework: KernelFramework, parts: string[]): KernelVariant {
  if (parts.length !== 3)
    throw new InvalidKernelVariantError(`Invalid arch variant parts: ${pythonListRepr(parts)}`);
  return {
    kind: "arch",
    name,
    framework,
    backend: parseKernelBackend(parts[0]!),
    cpu: parts[1]!,
    os: parts[2]!,
  };
}

/** kernels' `parse_backend`: `cpu`, `metal`, `neuron`, `cuXY`, `rocmXY`, `xpuXY`, `cannXY`. */
export function parseKernelBackend(text: string): KernelBackend {
  if (text === "cpu" || text === "metal" || text === "neuron") return { name: text, variantStr: text };
  for (const [prefix, name, label] of [
    ["cu", "cuda", "CUDA"],
    ["rocm", "rocm", "ROCm"],
    ["xpu", "xpu", "XPU"],
    ["cann", "cann", "CANN"],
  ] as const) {
    if (!text.startsWith(prefix)) continue;
    // Greedy first group, as Python's `(\d+)(\d+)`: the minor is the last digit.
    const match = new RegExp(`^${prefix}(\\d+)(\\d+)$`).exec(text);
    if (match === null)
      throw new InvalidKernelVariantError(`Invalid ${label} variant string: ${pythonRepr(text)}`);
    const major = Number(match[1]);
    const minor = Number(match[2]);
    return { name, major, minor, variantStr: `${prefix}${major}${minor}` };
  }
  throw new InvalidKernelVariantError(`Unknown backend variant string: ${pythonRepr(text)}`);
}
