import { aotihubCacheDir } from "@aotihub/native";
import type { Artifact, DeviceProfile, RuntimeKind } from "@aotihub/registry";
import { type CachedFile, cachedSha256 } from "../download/download-file.js";
import { HubClient } from "../hub/hub-client.js";
import { type HubConfig, readHubConfig } from "../hub-config/hub-config.js";
import { fetchChosenFiles, stampDirOf } from "../model-files/fetch-chosen-files.js";
import {
  fetchKernelBuilds,
  kernelRefsOf,
  pinnedKernelRefs,
  verifyKernelPins,
} from "../model-files/fetch-kernel-builds.js";
import { chooseArtifacts, type ModelPlan, planModelLoad } from "../model-files/plan-model-load.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { type LoadedProjectConfig, loadProjectConfig } from "../project-config/load-project-config.js";

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

/** What was fetched for one ref: enough to pin it (`prefetch --lock`). */
export interface PrefetchedModel {
  plan: ModelPlan;
  /** The profiles whose artifacts were fetched (the chosen one per device, or all requested). */
  profiles: string[];
  artifacts: Artifact[];
  /** Kernel builds fetched, keyed `repo@revision`. */
  kernels: Map<string, CachedFile[]>;
  files: CachedFile[];
}

export interface PrefetchParams {
  /** Aliases or `org/name[:profile][@revision]`, resolved like `loadCompiled` resolves them. */
  refs: string[];
  /** Devices to fetch for: the union of what each needs (e.g. every GPU of the machine). */
  devices?: DeviceProfile[];
  /** Everything in the manifest (of the requested profiles) and every kernel build: for images. */
  allVariants?: boolean;
  /** Only artifacts of this runtime (default: the registry's preference for each device). */
  runtime?: RuntimeKind | undefined;
  /** aotihub.config.json; default: found from the working directory. */
  project?: LoadedProjectConfig;
  /** A lockfile to honour, or false; default the project's. */
  lockfile?: string | false;
  config?: HubConfig;
  client?: HubClient;
  concurrency?: number;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Puts into the shared Hugging Face cache what the given devices need of each model: the
 * manifest, the artifacts the registry chooses, their weight files and their kernel builds, all
 * verified (artifacts also against the manifest's sha256, everything against the lockfile when it
 * pins the model).
 */
export async function prefetch(
  params: PrefetchParams,
): Promise<{ files: PrefetchedFile[]; models: PrefetchedModel[] }> {
  const hub = params.config ?? readHubConfig();
  const client = params.client ?? (hub.offline ? undefined : new HubClient({ config: hub }));
  const project = params.project ?? loadProjectConfig();
  const devices = params.allVariants ? [] : (params.devices ?? []);
  const common = { hub, client, onProgress: params.onProgress, signal: params.signal };

  const models: PrefetchedModel[] = [];
  for (const ref of params.refs) {
    const plan = await planModelLoad({
      ref,
      project,
      hub,
      client,
      lockfile: params.lockfile,
      signal: params.signal,
    });
    const byProfile = new Map<string, Map<string, Artifact>>();
    const add = (profile: string, artifacts: Artifact[]) => {
      const set = byProfile.get(profile) ?? new Map<string, Artifact>();
      for (const a of artifacts) set.set(a.path, a);
      byProfile.set(profile, set);
    };
    if (devices.length === 0) {
      const profiles = plan.profiles.length > 0 ? plan.profiles : Object.keys(plan.manifest.profiles);
      for (const p of profiles)
        add(
          p,
          plan.manifest.artifacts.filter((a) => a.profile === p),
        );
    } else {
      for (const device of devices) {
        const { resolution, chosen } = chooseArtifacts(plan, device, { runtime: params.runtime });
        add(resolution.profile, chosen);
      }
    }

    const files: CachedFile[] = [plan.manifestFile];
    for (const [profile, artifacts] of byProfile) {
      const fetched = await fetchChosenFiles(plan, profile, [...artifacts.values()], {
        ...common,
        stampDir: stampDirOf(aotihubCacheDir()),
        ...(params.concurrency !== undefined && { concurrency: params.concurrency }),
        verifyPackages: true,
      });
      await fetched.release(); // nothing is mapped here: the weights were only verified
      files.push(...fetched.all);
    }
    const artifacts = [...byProfile.values()].flatMap((m) => [...m.values()]);
    const kernels = new Map<string, CachedFile[]>();
    for (const wanted of kernelRefsOf(artifacts)) {
      const [kernel] = pinnedKernelRefs([wanted], plan.locked);
      const targets = devices.length === 0 ? [undefined] : devices;
      const builds: CachedFile[] = [];
      for (const device of targets)
        builds.push(...(await fetchKernelBuilds(kernel!, { ...common, config: hub, device })));
      await verifyKernelPins(builds, plan.locked);
      kernels.set(`${wanted.repo}@${wanted.revision}`, builds);
      files.push(...builds);
    }
    models.push({ plan, profiles: [...byProfile.keys()], artifacts, kernels, files });
  }
  return { files: await report(models.flatMap((m) => m.files)), models };
}

async function report(files: CachedFile[]): Promise<PrefetchedFile[]> {
  const seen = new Map<string, PrefetchedFile>();
  for (const file of files) {
    const key = `${file.repo.type}:${file.repo.name}:${file.commit}:${file.path}`;
    if (seen.has(key)) continue;
    seen.set(key, {
      repo: file.repo.name,
      path: file.path,
      commit: file.commit,
      blob: file.blobPath,
      size: file.size,
      sha256: await cachedSha256(file),
    });
  }
  return [...seen.values()];
}
