import { sha256OfFile } from "@aotihub/native";
import { parseRepoId } from "@aotihub/registry";
import { type CachedFile, cachedSha256, downloadFile } from "../download/download-file.js";
import { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { PinnedKernel, PinnedModel } from "../lockfile/lockfile-schema.js";
import { allWeightPathsOf, pinModel } from "../model-files/pin-model.js";
import type { PrefetchedModel } from "./prefetch.js";

/**
 * Pins a prefetched model: every target of the profiles fetched, with the weights those profiles
 * use (hashed from the cache; weight files this device did not need are fetched to be hashed) and
 * the kernel builds fetched.
 */
export async function pinPrefetched(model: PrefetchedModel, hub: HubConfig): Promise<PinnedModel> {
  const { plan } = model;
  const cached = new Map(model.files.map((f) => [f.path, f]));
  const client = hub.offline ? undefined : new HubClient({ config: hub });
  const weightDigests = new Map<string, { sha256: string; size: number }>();
  for (const profile of model.profiles) {
    for (const path of allWeightPathsOf(plan.manifest, profile)) {
      const file =
        cached.get(path) ??
        (await downloadFile({
          repo: parseRepoId(plan.name.repo, "model"),
          path,
          revision: plan.manifestFile.commit,
          config: hub,
          ...(client ? { client } : {}),
        }));
      // the bytes, not the blob's name: a lock must not vouch for what the cache merely claims
      weightDigests.set(path, { sha256: await sha256OfFile(file.blobPath), size: file.size });
    }
  }
  const kernelPins = new Map<string, PinnedKernel[]>();
  for (const [key, files] of model.kernels) kernelPins.set(key, await pinKernelBuilds(files));
  return pinModel({
    repo: plan.name.repo,
    revision: plan.name.revision,
    manifestFile: plan.manifestFile,
    manifest: plan.manifest,
    profiles: model.profiles,
    weightDigests,
    kernelPins,
  });
}

/**
 * One pin per build folder (`build/<variant>/...`) among the cached kernel files, each file with
 * its sha256: a kernel's library is native code loaded into the process, checked like a `.pt2`.
 */
async function pinKernelBuilds(files: CachedFile[]): Promise<PinnedKernel[]> {
  const byVariant = new Map<string, PinnedKernel>();
  for (const file of files) {
    const variant = file.path.split("/")[1] ?? "";
    const pin = byVariant.get(variant) ?? { repo: file.repo.name, commit: file.commit, variant, files: [] };
    pin.files.push({ path: file.path, size: file.size, sha256: await cachedSha256(file) });
    byVariant.set(variant, pin);
  }
  return [...byVariant.values()];
}
