import { AotihubError } from "@aotihub/registry";

export class ArtifactDigestError extends AotihubError {
  constructor(repo: string, path: string, expected: string, received: string) {
    super("AOTIHUB_ARTIFACT_DIGEST_MISMATCH", `${repo}/${path} does not match the sha256 its manifest pins`, {
      expected: `sha256 ${expected} (aotihub.json)`,
      received: `sha256 ${received}`,
      hint: "the repo's manifest and files disagree: ask its publisher to republish, or pin an older revision",
    });
  }
}

export class NoKernelVariantError extends AotihubError {
  constructor(repo: string, revision: string, trace: string) {
    super("AOTIHUB_NO_KERNEL_VARIANT", `no build of kernel ${repo}@${revision} fits this device`, {
      expected: "a build/<variant> matching this torch, CUDA, CPU and OS",
      received: trace,
      hint: "use --all-variants to fetch every build, or run on a device the kernel is built for",
    });
  }
}

export class UnresolvedAliasError extends AotihubError {
  constructor(name: string) {
    super("AOTIHUB_BAD_REF", `"${name}" is an alias, and prefetch was given no alias resolver`, {
      expected: "org/name[:profile][@revision]",
      received: JSON.stringify(name),
      hint: "write the repo id, or call prefetch with a resolveName function",
    });
  }
}
