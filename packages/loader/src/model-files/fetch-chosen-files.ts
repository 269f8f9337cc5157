import path from "node:path";
import type { Artifact } from "@aotihub/registry";
import { parseRepoId } from "@aotihub/registry";
import { type CachedFile, downloadFile } from "../download/download-file.js";
import { runPool } from "../download/run-pool.js";
import type { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { verifyFileSha256 } from "../trust/verify-file-sha256.js";
import { PinDriftError } from "./model-file-errors.js";
import { weightPathsOf } from "./pin-model.js";
import type { ModelPlan } from "./plan-model-load.js";

export interface ChosenFiles {
  /** Every file fetched, as the cache holds it. */
  all: CachedFile[];
  /** Per chosen artifact (by path): its `.pt2` in the cache. */
  packages: Map<string, CachedFile>;
  /** The profile's shared weight files, in manifest order. */
  sharedWeights: string[];
  /** Per chosen artifact (by path): its own override weight files. */
  overrides: Map<string, string[]>;
}

export interface FetchOptions {
  hub: HubConfig;
  client: HubClient | undefined;
  /** Where verification stamps live (see verifyFileSha256). */
  stampDir: string;
  concurrency?: number;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Puts the chosen artifacts and the weights they need into the cache at the plan's commit, then
 * checks every package against the sha256 the manifest (and the lockfile, when there is one) pins,
 * right before it is handed to the runtime: bytes that changed in the cache never reach dlopen.
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
  await runPool(wanted, opts.concurrency ?? 4, async (file) => {
    const cached = byPath.get(file)!;
    const artifact = chosen.find((a) => a.path === file);
    const expected = artifact?.sha256 ?? pinnedWeights.get(file);
    if (plan.locked && artifact === undefined && expected === undefined) {
      throw new PinDriftError(
        plan.name.ref,
        file,
        "a weight file the lockfile pins",
        "a weight file it does not pin",
      );
    }
    if (expected !== undefined)
      await verifyFileSha256(cached.blobPath, expected, { stampDir: opts.stampDir });
  });

  const local = (p: string) => byPath.get(p)!.snapshotPath;
  return {
    all: files,
    packages: new Map(chosen.map((a) => [a.path, byPath.get(a.path)!])),
    sharedWeights: shared.map(local),
    overrides: new Map([...overrides].map(([k, list]) => [k, list.map(local)])),
  };
}

/** Where verification stamps go inside aotihub's cache. */
export function stampDirOf(aotihubCache: string): string {
  return path.join(aotihubCache, "verified");
}
