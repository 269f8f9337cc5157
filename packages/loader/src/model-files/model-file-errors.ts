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

/** Artifacts that call kernels-community ops need a proxy executor the runtime does not have yet. */
export class CustomOpsUnsupportedError extends AotihubError {
  constructor(repo: string, kernels: string[]) {
    super(
      "AOTIHUB_CUSTOM_OPS_UNSUPPORTED",
      `${repo}: the chosen artifacts call custom kernels (${kernels.join(", ")}), which this version cannot run yet.`,
      {
        expected: "artifacts with an empty `kernels` list",
        received: `kernels ${kernels.join(", ")} (resolved and downloaded into the cache)`,
        hint: "use a profile built without custom kernels (e.g. `:bf16`), or wait for custom-op support; the kernel files are cached already",
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
