import type { KernelSystem, KernelVariant } from "./kernel-variant.js";
import { pythonOptional } from "./python-repr.js";
import { type SystemBackend, systemBackend, systemMajorMinor } from "./system-backend.js";

const show = (v: { major: number; minor: number } | null) =>
  pythonOptional(v === null ? null : `${v.major}.${v.minor}`);
const compare = (a: { major: number; minor: number }, b: { major: number; minor: number }) =>
  a.major !== b.major ? a.major - b.major : a.minor - b.minor;

/**
 * kernels' acceptance of one variant (`_check_variants`), in its order and with its reasons:
 * CPU, OS, framework version and ABI tag, then backend (CUDA: same major, minor <= system's).
 * Returns null when accepted.
 */
export function checkKernelVariant(variant: KernelVariant, system: KernelSystem): string | null {
  const backend = systemBackend(system);
  if (variant.kind === "noarch") {
    if (variant.backendName === backend.name || variant.backendName === "universal") return null;
    return `backend (${variant.backendName}) does not match system backend (${backend.name}) and is not universal`;
  }
  if (variant.cpu !== system.cpu) return `CPU (${variant.cpu}) does not match system CPU (${system.cpu})`;
  if (variant.os !== system.os) return `OS (${variant.os}) does not match system OS (${system.os})`;

  const torch = systemMajorMinor(system.torch);
  // kernels reads the C++ ABI from torch on Linux only; elsewhere it is None.
  const cxx11Abi = torch === null || system.os !== "linux" ? null : system.cxx11Abi;
  const framework = variant.framework;
  if (framework.kind === "torch") {
    if (torch === null || compare(framework, torch) !== 0) {
      return `Torch version (${show(framework)}) does not match environment Torch version (${show(torch)})`;
    }
    if (framework.cxx11Abi !== null && framework.cxx11Abi !== cxx11Abi) {
      return `Torch CXX11 ABI (${pythonOptional(framework.cxx11Abi)}) does not match environment Torch CXX11 ABI (${pythonOptional(cxx11Abi)})`;
    }
  } else if (framework.kind === "torch-stable-abi") {
    if (torch === null || compare(framework, torch) > 0) {
      return `Torch stable ABI version (${show(framework)}) is too new for environment Torch version (${show(torch)})`;
    }
  } else {
    const tvmFfi = systemMajorMinor(system.tvmFfi);
    if (tvmFfi === null || compare(framework, tvmFfi) !== 0) {
      return `tvm-ffi version (${show(framework)}) does not match environment tvm-ffi version (${show(tvmFfi)})`;
    }
  }
  return checkBackend(variant.backend, backend);
}

function checkBackend(
  variantBackend: Extract<KernelVariant, { kind: "arch" }>["backend"],
  backend: SystemBackend,
): string | null {
  if (backend.name === "cuda" && variantBackend.name === "cuda") {
    if (variantBackend.major !== backend.major || variantBackend.minor > backend.minor) {
      return `CUDA version (${variantBackend.major}.${variantBackend.minor}) is not compatible with system CUDA version (${backend.text})`;
    }
    return null;
  }
  if (variantBackend.variantStr !== backend.variantStr) {
    return `backend (${variantBackend.variantStr}) does not match selected backend (${backend.variantStr})`;
  }
  return null;
}
