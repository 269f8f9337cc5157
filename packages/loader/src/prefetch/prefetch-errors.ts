import { AotihubError } from "@aotihub/registry";

export class NoKernelVariantError extends AotihubError {
  constructor(repo: string, revision: string, trace: string) {
    super("AOTIHUB_NO_KERNEL_VARIANT", `no build of kernel ${repo}@${revision} fits this device`, {
      expected: "a build/<variant> matching this torch, CUDA, CPU and OS",
      received: trace,
      hint: "use --all-variants to fetch every build, or run on a device the kernel is built for",
    });
  }
}
