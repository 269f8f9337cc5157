import { readFile } from "node:fs/promises";
import {
  type Artifact,
  type DeviceProfile,
  kernelSystemOf,
  parseRepoId,
  resolveKernelVariant,
} from "@aotihub/registry";
import { type CachedFile, downloadFile } from "../download/download-file.js";
import { snapshotDownload } from "../download/snapshot-download.js";
import { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { PinnedKernel, PinnedModel } from "../lockfile/lockfile-schema.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { verifyFileSha256 } from "../trust/verify-file-sha256.js";
import { NoKernelVariantError, PinDriftError } from "./model-file-errors.js";

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

function lockedKernels(locked: PinnedModel): PinnedKernel[] {
  return Object.values(locked.profiles).flatMap((p) => Object.values(p.targets).flatMap((t) => t.kernels));
}

/**
 * With a lockfile, each kernel repo at the commit the lock pins: `vN` is a branch its authors move,
 * so a locked project must not follow it.
 */
export function pinnedKernelRefs(refs: KernelRef[], locked: PinnedModel | null): KernelRef[] {
  if (locked === null) return refs;
  const pins = lockedKernels(locked);
  return refs.map((ref) => {
    const pin = pins.find((k) => k.repo === ref.repo);
    if (pin === undefined)
      throw new PinDriftError(
        locked.repo,
        `kernel ${ref.repo}@${ref.revision}`,
        "a kernel the lockfile pins",
        "a kernel it does not pin",
      );
    return { repo: ref.repo, revision: pin.commit };
  });
}

/** Every fetched kernel file must be one the lockfile pins, with the sha256 of its bytes. */
export async function verifyKernelPins(files: CachedFile[], locked: PinnedModel | null): Promise<void> {
  if (locked === null) return;
  const pinned = new Map(
    lockedKernels(locked).flatMap((k) =>
      k.files.map((f) => [`${k.repo}@${k.commit}/${f.path}`, f.sha256] as const),
    ),
  );
  for (const file of files) {
    const sha256 = pinned.get(`${file.repo.name}@${file.commit}/${file.path}`);
    if (sha256 === undefined)
      throw new PinDriftError(
        locked.repo,
        `${file.repo.name}/${file.path}`,
        "a kernel file the lockfile pins",
        `one it does not pin (at ${file.commit})`,
      );
    await verifyFileSha256(file.blobPath, sha256);
  }
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

  const paths = opts.config.offline
    ? (await everything()).files.map((f) => f.path)
    : (
        await (opts.client ?? new HubClient({ config: opts.config })).listFiles(
          repo,
          kernel.revision,
          opts.signal,
        )
      )
        .map((f) => f.path)
        .filter((p) => p.startsWith("build/"));
  const variants = [...new Set(paths.map((p) => p.split("/")[1]!))];
  const decision = resolveKernelVariant(variants, system, await readBuildArchs(kernel, paths, common));
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

/**
 * `backend.archs` of each build's `metadata.json` (small files, fetched through the cache), so the
 * registry can refuse a build whose code cannot run on this GPU: the check the kernels library
 * itself does not make (FA3 ships 8.0 and 9.0a only).
 */
async function readBuildArchs(
  kernel: KernelRef,
  paths: string[],
  common: { config: HubConfig; client?: HubClient; signal?: AbortSignal | undefined },
): Promise<Record<string, string[]>> {
  const archs: Record<string, string[]> = {};
  for (const path of paths.filter((p) => /^build\/[^/]+\/metadata\.json$/.test(p))) {
    const file = await downloadFile({
      ...common,
      repo: parseRepoId(kernel.repo, "kernel"),
      path,
      revision: kernel.revision,
    });
    const json = JSON.parse(await readFile(file.snapshotPath, "utf8")) as { backend?: { archs?: unknown } };
    const list = json.backend?.archs;
    if (Array.isArray(list) && list.every((a) => typeof a === "string")) archs[path.split("/")[1]!] = list;
  }
  return archs;
}
