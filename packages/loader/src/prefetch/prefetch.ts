import { readFile } from "node:fs/promises";
import {
  type Artifact,
  type DeviceProfile,
  type Manifest,
  parseManifest,
  resolveArtifacts,
  resolveKernelVariant,
} from "@aotihub/registry";
import { type HubConfig, readHubConfig } from "../config/hub-config.js";
import { type CachedFile, cachedSha256, downloadFile } from "../download/download-file.js";
import { runPool } from "../download/run-pool.js";
import { snapshotDownload } from "../download/snapshot-download.js";
import { HubClient } from "../hub/hub-client.js";
import { parseRepoId, type RepoId } from "../hub/repo-id.js";
import { parseModelRef } from "../names/parse-model-ref.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { kernelSystemOf } from "./kernel-system.js";
import { ArtifactDigestError, NoKernelVariantError, UnresolvedAliasError } from "./prefetch-errors.js";

/** One file `prefetch --json` reports (architecture section 3). */
export interface PrefetchedFile {
  repo: string;
  path: string;
  commit: string;
  /** Absolute path of the blob in the cache. */
  blob: string;
  size: number;
  sha256: string;
}

export interface NamedRepo {
  repo: string;
  profiles: string[];
  revision: string;
}

export interface PrefetchParams {
  /** `org/name[:profile][@revision]` or aliases (then `resolveName` is required). */
  refs: string[];
  /** The device to fetch for (from `probeDevice()` or `--device <json>`); not needed with allVariants. */
  device?: DeviceProfile | undefined;
  /** Everything in the manifest and every kernel build: for images that target unknown machines. */
  allVariants?: boolean;
  /** Resolves aliases (the loader's name resolution); refs with a `/` never reach it. */
  resolveName?: (text: string) => Promise<NamedRepo>;
  config?: HubConfig;
  client?: HubClient;
  concurrency?: number;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

export const MANIFEST_FILE = "aotihub.json";

/**
 * Reads each repo's `aotihub.json`, asks the registry which artifacts this device needs, and puts
 * them, their weight files and their kernel builds into the cache. Everything verified; artifacts
 * also against the sha256 the manifest pins.
 */
export async function prefetch(params: PrefetchParams): Promise<{ files: PrefetchedFile[] }> {
  const config = params.config ?? readHubConfig();
  const client = params.client ?? (config.offline ? undefined : new HubClient({ config }));
  const common = {
    config,
    ...(client ? { client } : {}),
    onProgress: params.onProgress,
    signal: params.signal,
  };
  const files: PrefetchedFile[] = [];
  const seen = new Set<string>();
  const report = async (file: CachedFile) => {
    const key = `${file.repo.type}:${file.repo.name}:${file.commit}:${file.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    files.push({
      repo: file.repo.name,
      path: file.path,
      commit: file.commit,
      blob: file.blobPath,
      size: file.size,
      sha256: await cachedSha256(file),
    });
  };

  for (const text of params.refs) {
    const named = await nameToRepo(text, params.resolveName);
    const repo = parseRepoId(named.repo, "model");
    const manifestFile = await downloadFile({
      ...common,
      repo,
      path: MANIFEST_FILE,
      revision: named.revision,
    });
    await report(manifestFile);
    const manifest = parseManifest(
      JSON.parse(await readFile(manifestFile.snapshotPath, "utf8")),
      `${named.repo}/${MANIFEST_FILE}`,
    );
    const artifacts = chooseArtifacts(manifest, params.device, named.profiles, params.allVariants === true);

    const paths = new Set<string>();
    for (const artifact of artifacts) {
      paths.add(artifact.path);
      const weights = manifest.profiles[artifact.profile]?.weights;
      for (const path of (weights === undefined ? undefined : manifest.weights[weights])?.files ?? [])
        paths.add(path);
    }
    const pinned = new Map(artifacts.map((a) => [a.path, a.sha256]));
    const fetched = await runPool([...paths], params.concurrency ?? 4, (path) =>
      downloadFile({ ...common, repo, path, revision: manifestFile.commit }),
    );
    for (const file of fetched) {
      const want = pinned.get(file.path);
      if (want !== undefined) {
        const got = await cachedSha256(file);
        if (got !== want) throw new ArtifactDigestError(named.repo, file.path, want, got);
      }
      await report(file);
    }

    const kernelRefs = new Map<string, { repo: string; revision: string }>();
    for (const artifact of artifacts)
      for (const kernel of artifact.kernels) {
        const revision = kernel.version !== undefined ? `v${kernel.version}` : kernel.revision!;
        kernelRefs.set(`${kernel.repo}@${revision}`, { repo: kernel.repo, revision });
      }
    for (const kernel of kernelRefs.values()) {
      for (const file of await fetchKernel(kernel, params, common)) await report(file);
    }
  }
  return { files };
}

async function nameToRepo(text: string, resolveName: PrefetchParams["resolveName"]): Promise<NamedRepo> {
  const ref = parseModelRef(text);
  if (ref.kind === "repo")
    return { repo: ref.repo, profiles: ref.profile ? [ref.profile] : [], revision: ref.revision ?? "main" };
  if (resolveName === undefined) throw new UnresolvedAliasError(ref.name);
  return resolveName(text);
}

function chooseArtifacts(
  manifest: Manifest,
  device: DeviceProfile | undefined,
  profiles: string[],
  all: boolean,
): Artifact[] {
  if (all || device === undefined) {
    const wanted = new Set(profiles);
    return manifest.artifacts.filter((a) => wanted.size === 0 || wanted.has(a.profile));
  }
  const resolution = resolveArtifacts(manifest, device, profiles.length > 0 ? { profile: profiles } : {});
  return Object.values(resolution.buckets).flatMap((bucket) => (bucket.chosen ? [bucket.chosen] : []));
}

async function fetchKernel(
  kernel: { repo: string; revision: string },
  params: PrefetchParams,
  common: {
    config: HubConfig;
    client?: HubClient;
    onProgress: ProgressListener | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<CachedFile[]> {
  const repo: RepoId = parseRepoId(kernel.repo, "kernel");
  const system = params.device === undefined ? undefined : kernelSystemOf(params.device);
  if (params.allVariants || system === undefined) {
    return (await snapshotDownload({ ...common, repo, revision: kernel.revision, include: ["build/**"] }))
      .files;
  }
  const client = common.client ?? new HubClient({ config: common.config });
  let variants: string[];
  if (common.config.offline) {
    const snapshot = await snapshotDownload({
      ...common,
      repo,
      revision: kernel.revision,
      include: ["build/**"],
    });
    variants = [...new Set(snapshot.files.map((f) => f.path.split("/")[1]!))];
  } else {
    const listing = await client.listFiles(repo, kernel.revision, params.signal);
    variants = [
      ...new Set(listing.filter((f) => f.path.startsWith("build/")).map((f) => f.path.split("/")[1]!)),
    ];
  }
  const decision = resolveKernelVariant(variants, system);
  if (decision.variant === null)
    throw new NoKernelVariantError(
      kernel.repo,
      kernel.revision,
      decision.trace.map((t) => `${t.variant}: ${t.reasons.join("; ")}`).join(" | ") || "no builds",
    );
  return (
    await snapshotDownload({
      ...common,
      repo,
      revision: kernel.revision,
      include: [`build/${decision.variant}/**`],
    })
  ).files;
}
