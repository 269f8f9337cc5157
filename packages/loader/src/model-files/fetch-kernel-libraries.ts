import { type DeviceProfile, kernelSystemOf, parseRepoId, resolveKernelVariant } from "@aotihub/registry";
import { type CachedFile, downloadFile } from "../download/download-file.js";
import type { HubClient } from "../hub/hub-client.js";
import type { HubConfig } from "../hub-config/hub-config.js";
import type { PinnedKernel } from "../lockfile/lockfile-schema.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { verifyFileSha256 } from "../trust/verify-file-sha256.js";
import { fetchKernelBuilds, type KernelRef } from "./fetch-kernel-builds.js";
import { KernelLibraryMissingError, NoKernelVariantError, PinDriftError } from "./model-file-errors.js";

export interface KernelLibraryOptions {
  /** The model ref, named in lock-drift errors. */
  ref: string;
  device: DeviceProfile;
  hub: HubConfig;
  client?: HubClient | undefined;
  /** The kernel builds the lockfile pins for the chosen profile; null when the model is not locked. */
  pins: PinnedKernel[] | null;
  stampDir: string;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Puts the build of each kernel that fits the device into the cache and returns the shared
 * libraries to load, in order. A locked model gets exactly the pinned build: its files at the
 * pinned commit, each checked against its pinned sha256 before anything is loaded.
 */
export async function fetchKernelLibraries(
  kernels: KernelRef[],
  opts: KernelLibraryOptions,
): Promise<string[]> {
  const libraries: string[] = [];
  for (const kernel of kernels) {
    const files =
      opts.pins === null
        ? await fetchKernelBuilds(kernel, {
            device: opts.device,
            config: opts.hub,
            client: opts.client,
            onProgress: opts.onProgress,
            signal: opts.signal,
          })
        : await fetchPinnedBuild(kernel, opts.pins, opts);
    const found = files.filter((f) => f.path.endsWith(".so")).map((f) => f.snapshotPath);
    if (found.length === 0)
      throw new KernelLibraryMissingError(
        kernel.repo,
        files.map((f) => f.path),
      );
    libraries.push(...found.sort());
  }
  return libraries;
}

async function fetchPinnedBuild(kernel: KernelRef, pins: PinnedKernel[], opts: KernelLibraryOptions) {
  const mine = pins.filter((p) => p.repo === kernel.repo);
  if (mine.length === 0)
    throw new PinDriftError(
      opts.ref,
      `kernel ${kernel.repo}`,
      "a kernel the lockfile pins",
      "a kernel it does not pin",
    );
  const system = kernelSystemOf(opts.device);
  if (system === undefined)
    throw new NoKernelVariantError(
      kernel.repo,
      `${mine[0]!.commit} (pinned)`,
      "the device profile names no torch",
    );
  const decision = resolveKernelVariant(
    mine.map((p) => p.variant),
    system,
  );
  const pin = mine.find((p) => p.variant === decision.variant);
  if (pin === undefined) {
    const trace = decision.trace.map((t) => `${t.variant}: ${t.reasons.join("; ")}`).join(" | ");
    throw new NoKernelVariantError(kernel.repo, `${mine[0]!.commit} (pinned)`, trace || "no pinned builds");
  }
  const files: CachedFile[] = [];
  for (const file of pin.files) {
    if (file.sha256 === undefined)
      throw new PinDriftError(
        opts.ref,
        `${kernel.repo}/${file.path}`,
        "a kernel file pinned with its sha256",
        "a pin without sha256 (written before kernels could run): run `aotihub lock` again",
      );
    const cached = await downloadFile({
      repo: parseRepoId(kernel.repo, "kernel"),
      path: file.path,
      revision: pin.commit,
      config: opts.hub,
      ...(opts.client ? { client: opts.client } : {}),
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    await verifyFileSha256(cached.blobPath, file.sha256, { stampDir: opts.stampDir });
    files.push(cached);
  }
  return files;
}
