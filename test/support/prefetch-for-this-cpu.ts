import { type HubConfig, loadProjectConfig, prefetch } from "@aotihub/loader";
import { probeDevice } from "@aotihub/native";

/**
 * Prefetches `ref` of the project in `projectDir` into `hub`'s cache for this machine's CPU (the
 * GPU left out, so the CPU builds are the ones fetched), without a lockfile: what a test then
 * pins or loads offline.
 */
export async function prefetchForThisCpu(ref: string, projectDir: string, hub: HubConfig) {
  return prefetch({
    refs: [ref],
    devices: [{ ...(await probeDevice()), cuda: null }],
    project: loadProjectConfig({ cwd: projectDir }),
    lockfile: false,
    config: hub,
  });
}
