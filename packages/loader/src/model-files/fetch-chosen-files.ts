import path from "node:path";
import type { Artifact } from "@aotihub/registry";
import { parseRepoId } from "@aotihub/registry";
import { type CachedFile, downloadFile } from "../download/download-file.js";
import { runPool } from "../download/run-pool.js";
import type { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { openVerifiedFile, type VerifiedHandle, verifyFileSha256 } from "../trust/verify-file-sha256.js";
import { PinDriftError } from "./model-file-errors.js";
import { weightPathsOf } from "./pin-model.js";
import type { ModelPlan } from "./plan-model-load.js";

export interface ChosenFiles {
  /** Every file fetched, as the cache holds it. */
  all: CachedFile[];
  /**
   * Per chosen artifact (by path): its `.pt2` in the cache. Its sha256 is checked by the runtime
   * (loadPackages `sha256`) on the descriptor it copies the library from, not here.
   */
  packages: Map<string, CachedFile>;
  /** The profile's shared weight files, in manifest order: opened, verified inodes (`/proc/self/fd/N`). */
  sharedWeights: string[];
  /** Per chosen artifact (by path): its own override weight files, opened and verified the same way. */
  overrides: Map<string, string[]>;
  /** Closes the weight files; only once no variant will open its weights any more (dispose). */
  release(): Promise<void>;
}

export interface FetchOptions {
  hub: HubConfig;
  client: HubClient | undefined;
  /** Where verification stamps live (see verifyFileSha256). */
  stampDir: string;
  concurrency?: number;
  /**
   * Also hash each package against its pin now (prefetch: nothing will load it in this process).
   * A load leaves this to the runtime, which hashes the package as it copies the library out.
   */
  verifyPackages?: boolean;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Puts the chosen artifacts and the weights they need into the cache at the plan's commit. Each
 * weight file is then opened once and checked on that descriptor against the lockfile's sha256, and
 * the runtime maps that very inode (`/proc/self/fd/N`): a blob or link swapped after the check is
 * never what is mapped. Packages are verified by the runtime the same way, as it extracts them.
 */
export async function fetchChosenFiles(
  plan: ModelPlan,
  profile: string,
  chosen: Artifact[],
  opts: FetchOptions,
): Promise<ChosenFiles> {
  const { manifest } = plan;
  const shared = weightPathsOf(manifest, profile);
  const overrides = new Map(
    chosen.map((a) => [a.path, weightPathsOf(manifest, profile, a).slice(shared.length)]),
  );
  const wanted = [...new Set([...chosen.map((a) => a.path), ...shared, ...[...overrides.values()].flat()])];

  const repo = parseRepoId(plan.name.repo, "model");
  const files = await runPool(wanted, opts.concurrency ?? 4, (file) =>
    downloadFile({
      repo,
      path: file,
      revision: plan.manifestFile.commit,
      config: opts.hub,
      ...(opts.client ? { client: opts.client } : {}),
      onProgress: opts.onProgress,
      signal: opts.signal,
    }),
  );
  const byPath = new Map(files.map((f) => [f.path, f]));

  const pinnedWeights = new Map(
    (plan.locked?.profiles[profile]?.weights ?? []).map((w) => [w.path, w.sha256] as const),
  );
  if (opts.verifyPackages)
    await runPool(chosen, opts.concurrency ?? 4, (a) =>
      verifyFileSha256(byPath.get(a.path)!.blobPath, a.sha256, { stampDir: opts.stampDir }),
    );
  const weightFiles = wanted.filter((file) => !chosen.some((a) => a.path === file));
  if (plan.locked) {
    for (const file of weightFiles)
      if (!pinnedWeights.has(file))
        throw new PinDriftError(
          plan.name.ref,
          file,
          "a weight file the lockfile pins",
          "a weight file it does not pin",
        );
  }
  // An index names its shards relative to its own folder, so a set given by index is mapped by
  // cache path (its bytes still verified); the export helper writes shard lists, never an index.
  const byIndex = weightFiles.some((file) => file.endsWith(".json"));
  const pinned = new Map<string, VerifiedHandle>();
  try {
    await runPool(weightFiles, opts.concurrency ?? 4, async (file) => {
      const opened = await openVerifiedFile(byPath.get(file)!.snapshotPath, pinnedWeights.get(file), {
        stampDir: opts.stampDir,
      });
      pinned.set(file, opened);
    });
  } catch (error) {
    await Promise.all([...pinned.values()].map((p) => p.close()));
    throw error;
  }
  if (byIndex) {
    await Promise.all([...pinned.values()].map((p) => p.close()));
    pinned.clear();
  }

  const local = (p: string) => pinned.get(p)?.path ?? byPath.get(p)!.snapshotPath;
  return {
    all: files,
    packages: new Map(chosen.map((a) => [a.path, byPath.get(a.path)!])),
    sharedWeights: shared.map(local),
    overrides: new Map([...overrides].map(([k, list]) => [k, list.map(local)])),
    release: async () => {
      await Promise.all([...pinned.values()].map((p) => p.close()));
      pinned.clear();
    },
  };
}

/** Where verification stamps go inside aotihub's cache. */
export function stampDirOf(aotihubCache: string): string {
  return path.join(aotihubCache, "verified");
}
