import path from "node:path";
import { aotihubCacheDir, type LoadPackagesOptions, loadPackages } from "@aotihub/native";
import { HubClient } from "../hub/hub-client.js";
import { type HubConfig, readHubConfig } from "../hub-config/hub-config.js";
import { fetchChosenFiles, stampDirOf } from "../model-files/fetch-chosen-files.js";
import { kernelRefsOf } from "../model-files/fetch-kernel-builds.js";
import { fetchKernelLibraries } from "../model-files/fetch-kernel-libraries.js";
import { chooseArtifacts, planModelLoad } from "../model-files/plan-model-load.js";
import type { ProgressListener } from "../progress/progress-event.js";
import { loadProjectConfig } from "../project-config/load-project-config.js";
import { nativeRuntimeOptions } from "../runtime/native-runtime-options.js";
import { noteRuntimeLoaded, runningRuntime } from "../runtime/process-runtime.js";
import { type RuntimeOption, requestedRuntime } from "../runtime/requested-runtime.js";
import { startLibtorchEarly, startStandaloneEarly } from "../runtime/start-runtime-early.js";
import { chooseDevice, type DeviceOption, likelyRuntimeDevice, namedRuntimeDevice } from "./choose-device.js";
import { CompiledModel } from "./compiled-model.js";
import { loadedModels } from "./loaded-models.js";

export interface LoadCompiledOptions {
  /** "auto" (default: the GPU when there is one), "cpu", "cuda:N", or a DeviceProfile to resolve for. */
  device?: DeviceOption;
  /** Profile or profiles to try in order; overrides the ref's `:profile` and the config default. */
  profile?: string | string[];
  /** Branch, tag or commit; overrides the ref's `@revision` (the lockfile wins over both). */
  revision?: string;
  /** Load compiled code from a repo that neither the lockfile nor the config vouches for. */
  trustRemoteCode?: boolean;
  /** aotihub.config.json to use instead of searching from `cwd`. */
  configPath?: string;
  cwd?: string;
  /** A lockfile path, or false to ignore the lockfile. Default: the config's `lockfile`. */
  lockfile?: string | false;
  /** Hub endpoint, token, cache folder, offline mode; default from the environment (HF_*). */
  hub?: HubConfig;
  /** libtorch to run with (see findTorch); default AOTIHUB_TORCH_DIR, then python3's torch. */
  torchDir?: string;
  /**
   * "auto" (default): libtorch builds where torch is found, standalone builds (no libtorch) where
   * it is not; "standalone": only standalone builds, even where torch is installed (no libtorch is
   * loaded); "libtorch": only libtorch builds. Default AOTIHUB_RUNTIME, then the config's
   * `defaults.runtime`; under "auto" the runtime this process already runs models on is preferred.
   */
  runtime?: RuntimeOption;
  /**
   * The libcudart a standalone CUDA build uses. Default: the nvidia-cuda-runtime wheel of
   * AOTIHUB_PYTHON or python3, then CUDA_HOME / CUDA_PATH / /usr/local/cuda, then the system's.
   */
  cudaRuntimeLibrary?: string;
  /** Open only the first variant now, the others on first use. */
  lazy?: boolean;
  /**
   * Run every opened variant once with zeros during the load (default false), so that the first
   * call runs at steady speed (see loadPackages' `warmup` and docs/cold-start.md). A model shared
   * through `reuse` is warmed by the load that opened it.
   */
  warmup?: boolean;
  /** Share loaded models in this process (default true): see `loadedModels`. */
  reuse?: boolean;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Loads a compiled model by name: resolves the name, pins it (lockfile) and checks it is trusted,
 * asks the registry which artifacts fit this device, fetches and verifies them into the shared
 * Hugging Face cache, and opens them with one shared weight set.
 */
export async function loadCompiled(ref: string, opts: LoadCompiledOptions = {}): Promise<CompiledModel> {
  const started = performance.now();
  const stages: Record<string, number> = {};
  const mark = (stage: string) => {
    stages[stage] ??= Math.round(performance.now() * 10) / 10;
  };
  mark("loadCompiled start");
  const project = loadProjectConfig({
    ...(opts.configPath !== undefined && { configPath: opts.configPath }),
    ...(opts.cwd !== undefined && { cwd: opts.cwd }),
  });
  const hub = opts.hub ?? readHubConfig();
  const client = hub.offline ? undefined : new HubClient({ config: hub });

  // Probing the device (the driver, and python for the torch install) runs while the name is
  // resolved; its refusals still come after the plan's, as they did when one followed the other.
  const deviceOption = opts.device ?? (project.config.defaults.device as DeviceOption | undefined) ?? "auto";
  const choosing = chooseDevice(deviceOption, opts.torchDir);
  choosing.catch(() => {}); // awaited below
  // libtorch's dlopens start beside the plan and the file checks as soon as findTorch answers (the
  // same python spawn as chooseDevice's): for the device named outright ("cpu", "cuda:N"), or under
  // "auto" for the one the GPU's device nodes suggest, instead of after the probe's cuInit (~0.1 s on
  // an H200); a guess the probe contradicts is started again for the device it found
  const startEarly = async (device: string, torchFound?: boolean) => {
    const early = await startLibtorchEarly({
      device,
      option: opts.runtime,
      config: project.config.defaults.runtime,
      torchDir: opts.torchDir,
      ...(torchFound !== undefined && { torchFound }),
    });
    if (early === "libtorch") mark("libtorch early start");
  };
  const guess = namedRuntimeDevice(deviceOption) ?? likelyRuntimeDevice(deviceOption);
  if (guess !== null) void startEarly(guess);
  void choosing.then(
    async (device) => {
      mark("device chosen");
      if (device.runtime !== guess) await startEarly(device.runtime, device.profile.torch !== null);
    },
    () => {},
  );
  const plan = await planModelLoad({
    ref,
    project,
    hub,
    client,
    profile: opts.profile,
    revision: opts.revision,
    lockfile: opts.lockfile,
    signal: opts.signal,
    trust: {
      trustedRepos: project.config.trustedRepos,
      ...(opts.trustRemoteCode !== undefined && { trustRemoteCode: opts.trustRemoteCode }),
    },
  });
  mark("plan ready");
  const trust = plan.trust!;
  const device = await choosing;
  const runtime = requestedRuntime({ option: opts.runtime, config: project.config.defaults.runtime });
  // a process runs one runtime: under "auto", the one it already runs wins where its builds fit
  const { resolution, chosen } = chooseArtifacts(plan, device.profile, {
    runtime,
    preferRuntime: runningRuntime() ?? undefined,
  });

  const key = [
    plan.name.repo,
    plan.manifestFile.commit,
    resolution.profile,
    device.runtime,
    resolution.runtime,
  ].join("|");
  return loadedModels.getOrLoad(key, opts.reuse !== false, async (onDispose) => {
    // A standalone build's libcudart is looked for (a python spawn) and, on CUDA, loaded with the
    // device's context on a native thread while the files are fetched and checked.
    const runtimeOptions = nativeRuntimeOptions(resolution.runtime, chosen, {
      cudaRuntimeLibrary: opts.cudaRuntimeLibrary,
    }).then((found) => {
      if (found.runtime === "standalone") startStandaloneEarly(device.runtime, found.cudaRuntimeLibrary);
      return found;
    });
    runtimeOptions.catch(() => {}); // awaited below
    const cacheRoot = aotihubCacheDir();
    // The kernels whose ops the artifacts call (kernels-community builds): the build that fits this
    // device, or the pinned one checked by sha256, loaded by the runtime before the model.
    const kernelLibraries = await fetchKernelLibraries(kernelRefsOf(chosen), {
      ref: plan.name.ref,
      device: device.profile,
      hub,
      client,
      pins: plan.locked
        ? Object.values(plan.locked.profiles[resolution.profile]?.targets ?? {}).flatMap((t) => t.kernels)
        : null,
      stampDir: stampDirOf(cacheRoot),
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    const files = await fetchChosenFiles(plan, resolution.profile, chosen, {
      hub,
      client,
      stampDir: stampDirOf(cacheRoot),
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    mark("files checked");
    let native: Awaited<ReturnType<typeof loadPackages>>;
    try {
      const options: LoadPackagesOptions = {
        packages: chosen.map((a) => ({
          path: files.packages.get(a.path)!.snapshotPath,
          sha256: a.sha256,
          bucket: a.bucket,
          ...(a.constants !== undefined && { constants: a.constants }),
          weights: files.overrides.get(a.path) ?? [],
        })),
        weights: files.sharedWeights,
        device: device.runtime,
        cacheDir: path.join(cacheRoot, "aoti"),
        kernelLibraries,
        ...(opts.torchDir !== undefined && { torchDir: opts.torchDir }),
        ...(opts.lazy !== undefined && { lazy: opts.lazy }),
        ...(opts.warmup !== undefined && { warmup: opts.warmup }),
        ...(await runtimeOptions),
      };
      native = await loadPackages(options);
      noteRuntimeLoaded(resolution.runtime);
    } catch (error) {
      await files.release();
      throw error;
    }
    return new CompiledModel(
      native,
      {
        ref: plan.name.ref,
        repo: plan.name.repo,
        commit: plan.manifestFile.commit,
        profile: resolution.profile,
        source: plan.name.source,
        trust,
        lockfile: plan.lockfilePath,
        resolution,
        deviceProfile: device.profile,
        loadMs: performance.now() - started,
        stats: native.stats,
        loaderStages: stages,
      },
      chosen,
      () => {
        onDispose();
        void files.release(); // lazily opened variants map their weights until dispose
      },
    );
  });
}
