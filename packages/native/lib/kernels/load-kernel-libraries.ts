import { binding, isNativeFailure } from "../binding.js";
import { KernelError } from "./kernel-errors.js";

/**
 * Loads kernel libraries (once per process each) after libtorch and before any model that calls
 * their ops. The caller has verified the files (sha256) first: loading runs their code.
 */
export async function loadKernelLibraries(paths: readonly string[], torchLibDir: string): Promise<void> {
  for (const path of paths) {
    try {
      await binding().loadKernelLibrary(path);
    } catch (error) {
      if (!isNativeFailure(error)) throw error;
      if (error.nativeCode === "NATIVE_KERNEL_ABI") {
        throw new KernelError(
          "AOTIHUB_KERNEL_TORCH_ABI",
          `The kernel library ${path} was built for another torch.`,
          {
            expected: `a build against the loaded libtorch (${torchLibDir}): its build/<variant> names the torch version`,
            received: error.message,
            hint: "use the kernel build whose variant matches this torch (e.g. torch213-cxx11-... for torch 2.13), or run with the torch the kernel was built for",
            cause: error,
          },
        );
      }
      throw new KernelError("AOTIHUB_KERNEL_LOAD_FAILED", `Cannot load the kernel library ${path}.`, {
        expected: "a shared library for this platform whose dependencies are installed",
        received: error.message,
        hint: "fetch the kernel build again, or check that its CUDA/runtime libraries are present",
        cause: error,
      });
    }
  }
}
