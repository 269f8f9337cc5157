import { type Artifact, type DeviceProfile, resolveKernelVariant } from "@aotihub/registry";
import type { HubConfig } from "../config/hub-config.js";
import type { CachedFile } from "../download/download-file.js";
import { snapshotDownload } from "../download/snapshot-download.js";
import { HubClient } from "../hub/hub-client.js";
import { parseRepoId } from "../hub/repo-id.js";
import { kernelSystemOf } from "../prefetch/kernel-system.js";
import { NoKernelVariantError } from "../prefetch/prefetch-errors.js";
import type { ProgressListener } from "../progress/progress-event.js";

export interface KernelRef {
  repo: string;
  /** `vN` for `version: N`, else the revision the artifact names. */
  revision: string;
}

/** The kernel repos the artifacts call, each once. */
export function kernelRefsOf(artifacts: readonly Artifact[]): KernelRef[] {
  const refs = new Map<string, KernelRef>();
  for (const artifact of artifacts)
    for (const kernel of artifact.kernels) {
      const revision = kernel.version !== undefined ? `v${kernel.version}` : kernel.revision!;
      refs.set(`${kernel.repo}@${revision}`, { repo: kernel.repo, revision });
    }
  return [...refs.values()];
}

export interface KernelFetchOptions {
  /** Fetch the build that fits this device, as the `kernels` library would pick it; undefined: every build. */
  device: DeviceProfile | undefined;
  config: HubConfig;
  client?: HubClient | undefined;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/** Puts a kernel repo's build for the device (or all its builds) into the cache. */
export async function fetchKernelBuilds(kernel: KernelRef, opts: KernelFetchOptions): Promise<CachedFile[]> {
  const common = {
    config: opts.config,
    ...(opts.client ? { client: opts.client } : {}),
    onProgress: opts.onProgress,
    signal: opts.signal,
  };
  const repo = parseRepoId(kernel.repo, "kernel");
  const system = opts.device === undefined ? undefined : kernelSystemOf(opts.device);
  const everything = () =>
    snapshotDownload({ ...common, repo, revision: kernel.revision, include: ["build/**"] });
  if (system === undefined) return (await everything()).files;

  const variants = opts.config.offline
    ? (await everything()).files.map((f) => f.path.split("/")[1]!)
    : (
        await (opts.client ?? new HubClient({ config: opts.config })).listFiles(
          repo,
          kernel.revision,
          opts.signal,
        )
      )
        .filter((f) => f.path.startsWith("build/"))
        .map((f) => f.path.split("/")[1]!);
  const decision = resolveKernelVariant([...new Set(variants)], system);
  if (decision.variant === null) {
    const trace = decision.trace.map((t) => `${t.variant}: ${t.reasons.join("; ")}`).join(" | ");
    throw new NoKernelVariantError(kernel.repo, kernel.revision, trace || "no builds");
  }
  const build = await snapshotDownload({
    ...common,
    repo,
    revision: kernel.revision,
    include: [`build/${decision.variant}/**`],
  });
  return build.files;
}
