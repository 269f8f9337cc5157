import { basename } from "node:path";
import { binding, isNativeFailure } from "../binding.js";
import { sha256OfFile } from "../node-fs/sha256-of-file.js";
import { KernelError } from "./kernel-errors.js";

/** sha256 -> the path loaded with that content, for this process. */
const loadedByContent = new Map<string, string>();
/** Library name (kernel-builder names it after the op namespace) -> sha256 loaded under it. */
const loadedByName = new Map<string, { digest: string; path: string }>();

/** `_flash_attn3_9e27194.abi3.so` -> `_flash_attn3_9e27194`: the TORCH_LIBRARY namespace it registers. */
function libraryName(path: string): string {
  return basename(path).replace(/(\.abi3)?\.so$/, "");
}

/**
 * Loads kernel libraries (once per process each) after libtorch and before any model that calls
 * their ops. The caller has verified the files (sha256) first: loading runs their code.
 * Once by content, not by path: the same build cached twice (two HF caches, a copy) registers the
 * same TORCH_LIBRARY namespace, and a second registration throws inside dlopen, which aborts.
 * For the same reason another build under a name already loaded is refused before dlopen.
 */
export async function loadKernelLibraries(paths: readonly string[], torchLibDir: string): Promise<void> {
  for (const path of paths) {
    const digest = await sha256OfFile(path);
    if (loadedByContent.has(digest)) continue;
    const name = libraryName(path);
    const taken = loadedByName.get(name);
    if (taken !== undefined) {
      throw new KernelError(
        "AOTIHUB_KERNEL_NAMESPACE_TAKEN",
        `Another build of kernel library ${name} is loaded already.`,
        {
          expected: `the build loaded first in this process (${taken.path}, sha256 ${taken.digest})`,
          received: `${path}, sha256 ${digest}`,
          hint: "one process can hold one build per op namespace (libtorch cannot unregister ops): run models that need other builds of this kernel in another process",
        },
      );
    }
    try {
      await binding().loadKernelLibrary(path);
      loadedByContent.set(digest, path);
      loadedByName.set(name, { digest, path });
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
