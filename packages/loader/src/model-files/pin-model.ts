import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type Artifact, artifactRuntime, type Manifest } from "@aotihub/registry";
import type { CachedFile } from "../download/download-file.js";
import type { PinnedFile, PinnedKernel, PinnedModel, PinnedProfile } from "../lockfile/lockfile-schema.js";
import { kernelRefsOf } from "./fetch-kernel-builds.js";

/**
 * The key of a target in the lockfile: what kind of machine an artifact is for, in one string. A
 * standalone build is another target than the libtorch build of the same machine (both may be
 * published for one bucket); libtorch keys keep the form they had before runtimes existed.
 */
export function targetKey(artifact: Artifact): string {
  const t = artifact.target;
  const platform = `${t.os}-${t.machine}`;
  const runtime = artifactRuntime(artifact) === "standalone" ? "-standalone" : "";
  if (t.device === "cpu")
    return `cpu-${platform}-${[...t.cpuIsa].sort().join("+") || "generic"}-torch${t.torch}${runtime}`;
  const arch = [...t.sass.map((s) => `sm${s}`), ...(t.ptx ? [`ptx${t.ptx}`] : [])].join("+");
  return `cuda${t.cuda}-${arch}-${platform}-torch${t.torch}${runtime}`;
}

export interface PinModelInputs {
  repo: string;
  revision: string;
  manifestFile: CachedFile;
  manifest: Manifest;
  /** The profiles to pin; every artifact of each, for every target, is pinned. */
  profiles: string[];
  /** sha256 and size of every weight file of those profiles (from the Hub's LFS info or the cache). */
  weightDigests: Map<string, { sha256: string; size: number }>;
  /** Kernel builds pinned for the artifacts that call kernels, keyed `repo@revision`. */
  kernelPins: Map<string, PinnedKernel[]>;
}

/**
 * Pins a model: the commit, the manifest's bytes, and for each profile its weight files and, per
 * target, every artifact with the sha256 and size the manifest gives.
 */
export async function pinModel(inputs: PinModelInputs): Promise<PinnedModel> {
  const { manifest } = inputs;
  const profiles: Record<string, PinnedProfile> = {};
  for (const profile of inputs.profiles) {
    const weights: PinnedFile[] = [];
    for (const path of allWeightPathsOf(manifest, profile)) {
      const digest = inputs.weightDigests.get(path);
      if (digest === undefined) throw new Error(`internal: no digest for weight file ${path} when locking`);
      weights.push({ path, ...digest });
    }
    const targets: PinnedProfile["targets"] = {};
    for (const artifact of manifest.artifacts.filter((a) => a.profile === profile)) {
      const key = targetKey(artifact);
      targets[key] ??= { artifacts: [], kernels: [] };
      for (const ref of kernelRefsOf([artifact])) {
        const pins = inputs.kernelPins.get(`${ref.repo}@${ref.revision}`);
        if (pins === undefined)
          throw new Error(`internal: kernel ${ref.repo}@${ref.revision} was not pinned`);
        for (const pin of pins)
          if (!targets[key].kernels.some((k) => k.repo === pin.repo && k.variant === pin.variant))
            targets[key].kernels.push(pin);
      }
      targets[key].artifacts.push({
        path: artifact.path,
        bucket: artifact.bucket.name,
        sha256: artifact.sha256,
        size: artifact.size,
      });
    }
    profiles[profile] = { weights, targets };
  }
  const manifestBytes = await readFile(inputs.manifestFile.snapshotPath);
  return {
    repo: inputs.repo,
    revision: inputs.revision,
    commit: inputs.manifestFile.commit,
    manifest: {
      path: inputs.manifestFile.path,
      sha256: createHash("sha256").update(manifestBytes).digest("hex"), // its bytes, LFS or not
      size: manifestBytes.length,
    },
    profiles,
  };
}

/** The weight files an artifact needs: its profile's shared set, then its own override set. */
export function weightPathsOf(manifest: Manifest, profile: string, artifact?: Artifact): string[] {
  const shared = manifest.profiles[profile]?.weights;
  const paths = shared === undefined ? [] : (manifest.weights[shared]?.files ?? []);
  const override = artifact?.weightsOverride;
  const own = override === undefined ? [] : (manifest.weights[override]?.files ?? []);
  return [...paths, ...own];
}

/** Every weight file of a profile, overrides included. */
export function allWeightPathsOf(manifest: Manifest, profile: string): string[] {
  const paths = new Set(weightPathsOf(manifest, profile));
  for (const artifact of manifest.artifacts) {
    if (artifact.profile === profile)
      for (const p of weightPathsOf(manifest, profile, artifact)) paths.add(p);
  }
  return [...paths];
}
