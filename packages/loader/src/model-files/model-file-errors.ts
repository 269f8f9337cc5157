import { AotihubError } from "@aotihub/registry";

/** The cache or the Hub offers other bytes than the lockfile pinned: refuse rather than drift. */
export class PinDriftError extends AotihubError {
  constructor(ref: string, what: string, pinned: string, found: string) {
    super("AOTIHUB_LOCK_DRIFT", `${ref}: ${what} differs from what aotihub.lock pins.`, {
      expected: pinned,
      received: found,
      hint: "if the change is intended, run `aotihub lock` again and commit the new lockfile; otherwise restore the lockfile",
    });
  }
}

/** A kernel build without a shared library: nothing registers the ops the model calls. */
export class KernelLibraryMissingError extends AotihubError {
  constructor(repo: string, files: string[]) {
    super(
      "AOTIHUB_KERNEL_NO_LIBRARY",
      `The build of kernel ${repo} chosen for this device holds no shared library.`,
      {
        expected: "build/<variant>/<package>/ with the op library (`_<name>_<hash>.abi3.so`)",
        received: files.length > 0 ? files.join(", ") : "no files",
        hint: "the kernel repo may be a Python-only (noarch) kernel, which compiled models cannot call; use a compiled build",
      },
    );
  }
}

/** No build of a kernel repo fits the device (the kernels library's rules plus the archs check). */
export class NoKernelVariantError extends AotihubError {
  constructor(repo: string, revision: string, trace: string) {
    super("AOTIHUB_NO_KERNEL_VARIANT", `no build of kernel ${repo}@${revision} fits this device`, {
      expected: "a build/<variant> matching this torch, CUDA, CPU and OS",
      received: trace,
      hint: "use --all-variants to fetch every build, or run on a device the kernel is built for",
    });
  }
}
