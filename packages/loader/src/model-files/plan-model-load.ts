import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type Artifact,
  bucketsInOrder,
  type DeviceProfile,
  type Manifest,
  parseManifest,
  parseRepoId,
  type Resolution,
  type RuntimeKind,
  resolveArtifacts,
} from "@aotihub/registry";
import { type CachedFile, downloadFile } from "../download/download-file.js";
import type { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { Lockfile, PinnedModel } from "../lockfile/lockfile-schema.js";
import { readLockfile } from "../lockfile/read-write-lockfile.js";
import { formatModelRef, parseModelRef } from "../names/parse-model-ref.js";
import { type ResolvedName, resolveModelName } from "../names/resolve-model-name.js";
import type { LoadedProjectConfig } from "../project-config/load-project-config.js";
import { assertTrusted, type TrustInputs, type TrustReason } from "../trust/assert-trusted.js";
import { loadAliasIndex } from "./load-alias-index.js";
import { PinDriftError } from "./model-file-errors.js";

export const MANIFEST_PATH = "aotihub.json";

export interface PlanInputs {
  ref: string;
  project: LoadedProjectConfig;
  hub: HubConfig;
  client: HubClient | undefined;
  /** Overrides the ref's profile(s). */
  profile?: string | string[] | undefined;
  /** Overrides the ref's revision (ignored when the lockfile pins the ref). */
  revision?: string | undefined;
  /** A lockfile path, or false to ignore any lockfile. Default: the project config's. */
  lockfile?: string | false | undefined;
  signal?: AbortSignal | undefined;
  /**
   * When the plan is for running the model: how the project vouches for repos. The decision is
   * made on the repo id alone, before any file of the repo (its manifest included) is downloaded.
   */
  trust?: Omit<TrustInputs, "pinnedByLockfile"> | undefined;
}

/** A model named, pinned (when locked) and its manifest read: everything before choosing files. */
export interface ModelPlan {
  name: ResolvedName;
  lockfilePath: string | null;
  locked: PinnedModel | null;
  manifestFile: CachedFile;
  manifest: Manifest;
  /** Profiles to try in order (empty: the manifest's order). */
  profiles: string[];
  /** Why its code may run, when `trust` was asked for. */
  trust: TrustReason | null;
}

/**
 * Names the model and reads its manifest at the right commit: the lockfile's when it pins the ref
 * (and then the manifest's bytes must match the pin), else the requested revision.
 */
export async function planModelLoad(inputs: PlanInputs): Promise<ModelPlan> {
  const lockfilePath =
    inputs.lockfile === false
      ? null
      : path.resolve(inputs.project.dir, inputs.lockfile ?? inputs.project.config.lockfile);
  const lock: Lockfile | null = lockfilePath === null ? null : readLockfile(lockfilePath);
  const key = formatModelRef(parseModelRef(inputs.ref));
  const locked = lock?.models[key] ?? null;

  const name: ResolvedName = locked
    ? lockedName(key, locked, inputs.ref)
    : await resolveModelName(inputs.ref, {
        config: inputs.project.config,
        loadIndex: (where) => loadAliasIndex(where, inputs.hub, inputs.client, inputs.signal),
      });
  if (inputs.profile !== undefined) name.profiles = toList(inputs.profile);
  if (inputs.revision !== undefined && !locked) name.revision = inputs.revision;
  const trust =
    inputs.trust === undefined
      ? null
      : assertTrusted(name.repo, { ...inputs.trust, pinnedByLockfile: locked !== null });

  const manifestFile = await downloadFile({
    repo: parseRepoId(name.repo, "model"),
    path: MANIFEST_PATH,
    revision: locked ? locked.commit : name.revision,
    config: inputs.hub,
    ...(inputs.client ? { client: inputs.client } : {}),
    signal: inputs.signal,
  });
  // the bytes checked against the lockfile are the bytes parsed: read once
  const manifestBytes = await readFile(manifestFile.snapshotPath);
  if (locked) {
    const sha256 = createHash("sha256").update(manifestBytes).digest("hex");
    if (sha256 !== locked.manifest.sha256) {
      throw new PinDriftError(
        key,
        `${MANIFEST_PATH} at ${locked.commit}`,
        `sha256 ${locked.manifest.sha256}`,
        `sha256 ${sha256}`,
      );
    }
  }
  const manifest = parseManifest(
    JSON.parse(manifestBytes.toString("utf8")),
    `${name.repo}@${manifestFile.commit}`,
  );
  const profiles = name.profiles.length > 0 ? name.profiles : locked ? Object.keys(locked.profiles) : [];
  return {
    name,
    lockfilePath: locked ? lockfilePath : null,
    locked,
    manifestFile,
    manifest,
    profiles,
    trust,
  };
}

/**
 * The registry's choice for a device, and the artifacts it chose (one per available bucket), all of
 * one runtime: `runtime` when asked, else the registry's preference (`preferRuntime` first: the
 * runtime this process already runs).
 */
export function chooseArtifacts(
  plan: ModelPlan,
  device: DeviceProfile,
  runtimes: { runtime?: RuntimeKind | undefined; preferRuntime?: RuntimeKind | undefined } = {},
): { resolution: Resolution; chosen: Artifact[] } {
  const resolution = resolveArtifacts(plan.manifest, device, {
    ...(plan.profiles.length > 0 && { profile: plan.profiles }),
    ...(runtimes.runtime !== undefined && { runtime: runtimes.runtime }),
    ...(runtimes.preferRuntime !== undefined && { preferRuntime: runtimes.preferRuntime }),
  });
  // in the registry's bucket order: the runtime tries variants in this order and opens the first
  const chosen = bucketsInOrder(resolution).flatMap(([, b]) => (b.chosen ? [b.chosen] : []));
  if (plan.locked) assertChosenArePinned(plan, resolution.profile, chosen);
  return { resolution, chosen };
}

function assertChosenArePinned(plan: ModelPlan, profile: string, chosen: Artifact[]): void {
  const locked = plan.locked!;
  const pinnedProfile = locked.profiles[profile];
  if (pinnedProfile === undefined) {
    throw new PinDriftError(
      plan.name.ref,
      `profile "${profile}"`,
      `one of ${Object.keys(locked.profiles).join(", ")}`,
      profile,
    );
  }
  const pinned = new Map(
    Object.values(pinnedProfile.targets).flatMap((t) => t.artifacts.map((a) => [a.path, a.sha256] as const)),
  );
  for (const artifact of chosen) {
    const sha = pinned.get(artifact.path);
    if (sha !== artifact.sha256) {
      throw new PinDriftError(
        plan.name.ref,
        artifact.path,
        sha === undefined ? "an artifact the lockfile pins" : `sha256 ${sha}`,
        sha === undefined ? "an artifact the lockfile does not pin" : `sha256 ${artifact.sha256}`,
      );
    }
  }
}

function lockedName(key: string, locked: PinnedModel, text: string): ResolvedName {
  const parsed = parseModelRef(text);
  return {
    ref: key,
    repo: locked.repo,
    profiles: parsed.kind === "repo" && parsed.profile ? [parsed.profile] : [],
    revision: locked.commit,
    source: "lockfile",
  };
}

function toList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}
