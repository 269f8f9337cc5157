import { join } from "node:path";
import type { Bucket } from "@aotihub/registry";
import { binding } from "../binding.js";
import { InputMismatchError, ModelLoadError, TorchLoadError } from "../errors/native-errors.js";
import { captureUserStack } from "../errors/with-user-stack.js";
import { verifyAndExtractPt2 } from "../formats/pt2/verify-and-extract-pt2.js";
import { readWeightSet } from "../formats/safetensors/read-weight-set.js";
import { loadKernelLibraries } from "../kernels/load-kernel-libraries.js";
import { aotihubCacheDir } from "../node-fs/aotihub-cache-dir.js";
import { detectCpuIsa } from "../probe/cpu-isa.js";
import { probeCuda } from "../probe/probe-gpus.js";
import { findTorch } from "../torch/find-torch.js";
import type { TorchInstall } from "../torch/torch-install.js";
import { checkConstantShapes, checkManifestShapes } from "./check-constant-shapes.js";
import { checkPackageFits } from "./check-package-fits.js";
import { LoadStages } from "./load-stages.js";
import { type LoadedModel, NativeLoadedModel } from "./loaded-model.js";
import { publicInputNames } from "./match-bucket.js";
import { typedNativeFailure } from "./native-failure.js";
import { parseDeviceName, type RuntimeDevice } from "./runtime-device.js";
import { checkStandalonePackage, loadStandaloneRuntime, type RuntimeKind } from "./standalone-runtime.js";
import { cudaPrewarmSpec } from "./start-runtime-early.js";
import { Variant } from "./variant.js";
import { checkWarmupOption, warmUp } from "./warm-up.js";
import { createWeightStore } from "./weight-store.js";

export interface PackageSpec {
  /** A `.pt2` file. */
  path: string;
  /** The bucket it was compiled for: its name and input dims (numbers, or [min, max] when dynamic). */
  bucket: Bucket;
  /** The model inside the package (default: its only one, or "model"). */
  modelName?: string;
  /** Safetensors files holding this variant's own constants (the manifest's weightsOverride). */
  weights?: string[];
  /**
   * The sha256 the package must have (the manifest's or the lockfile's pin). It is checked on the
   * same file descriptor the compiled library is copied from, so what is dlopened is what was hashed.
   */
  sha256?: string;
  /** Each constant's shape by original FQN, as the manifest records it; checked against the package. */
  constants?: Record<string, number[]>;
}

export interface LoadPackagesOptions {
  /** Variants of one model; the first whose bucket fits the inputs runs them. */
  packages: PackageSpec[];
  /** The shared weight set: safetensors files, or one model.safetensors.index.json. */
  weights: string[];
  /** "cpu" or "cuda:N". */
  device: string;
  /** Passed to findTorch (runtime "libtorch" only). */
  torchDir?: string;
  /**
   * Who provides the AOTI C shim: "libtorch" (default; a torch install, found by findTorch) or
   * "standalone" (aotihub's own shim; no torch needed or loaded; packages exported with
   * runtime="standalone"). One runtime per process. See docs/standalone-runtime.md.
   */
  runtime?: RuntimeKind;
  /** Runtime "standalone" on CUDA: the libcudart to load (default: libcudart.so.13, then .12, by soname). */
  cudaRuntimeLibrary?: string;
  /** Where compiled libraries are extracted (content-addressed). Default `aotihubCacheDir()/aoti`. */
  cacheDir?: string;
  /** Open only the first variant now and the others on first use (default false: all now). */
  lazy?: boolean;
  /**
   * Custom-op kernel libraries the packages call (e.g. a kernels-community build's `.so`), already
   * verified by the caller: loaded once per process after libtorch and before the packages.
   */
  kernelLibraries?: string[];
  /**
   * Run every opened variant once with zeros of its bucket's shapes before returning (default
   * false), so that the first call of the caller's runs at steady speed: on CUDA the first run loads
   * the compiled kernels and creates cuBLAS state (~0.3 s for a 0.5B DiT on an H200). The warm-up
   * outputs are dropped. See docs/cold-start.md.
   */
  warmup?: boolean;
}

/**
 * Loads compiled variants of one model onto a device with one shared weight set: libtorch once
 * per process, the weights mapped (and on CUDA uploaded) once and bound into every variant.
 */
export async function loadPackages(options: LoadPackagesOptions): Promise<LoadedModel> {
  const withUserStack = captureUserStack();
  try {
    return await load(options);
  } catch (error) {
    throw error instanceof Error ? withUserStack(error) : error;
  }
}

async function load(options: LoadPackagesOptions): Promise<LoadedModel> {
  if (!Array.isArray(options.packages) || options.packages.length === 0) {
    throw new InputMismatchError("AOTIHUB_PACKAGES_INVALID", "loadPackages needs at least one package.", {
      expected: "packages: [{ path, bucket: { name, inputs } }, ...]",
      received: JSON.stringify(options.packages),
    });
  }
  const runtime = options.runtime ?? "libtorch";
  if (runtime !== "libtorch" && runtime !== "standalone") {
    throw new InputMismatchError("AOTIHUB_PACKAGES_INVALID", "Unknown runtime.", {
      expected: 'runtime "libtorch" or "standalone"',
      received: JSON.stringify(runtime),
    });
  }
  const standalone = runtime === "standalone";
  if (standalone && (options.kernelLibraries ?? []).length > 0) {
    throw new ModelLoadError("AOTIHUB_STANDALONE_KERNELS", "The standalone runtime cannot call custom ops.", {
      expected: 'no kernelLibraries with runtime "standalone"',
      received: (options.kernelLibraries ?? []).join(", "),
      hint: 'custom ops go through libtorch\'s dispatcher: load this model with runtime "libtorch"',
    });
  }
  const parsed = parseDeviceName(options.device);
  const warmup = checkWarmupOption(options.warmup);
  const stages = new LoadStages();
  // Locating torch reads files only (nothing is loaded); a CPU build asked for a GPU is refused
  // first, since no GPU could help it. The standalone runtime needs no torch at all.
  const torch = standalone
    ? null
    : await findTorch(options.torchDir === undefined ? {} : { torchDir: options.torchDir });
  stages.mark("torch found");
  if (torch !== null && parsed.cuda && !torch.hasCudaLibrary) {
    throw new TorchLoadError("AOTIHUB_TORCH_NO_CUDA", `The torch found cannot run on ${parsed.name}.`, {
      expected: "a CUDA build of torch (lib/libtorch_cuda.so)",
      received: `torch ${torch.fullVersion} at ${torch.dir} (found via ${torch.source})`,
      hint: "install a CUDA build of torch, or point torchDir at one",
    });
  }
  const device = await describeDevice(parsed);
  const cacheDir = options.cacheDir ?? join(aotihubCacheDir(), "aoti");

  // Verify, copy out and check every package before anything is dlopened: a refusal must not
  // cost a crash, and a lazily opened variant must not read its package again later.
  // The packages are hashed and extracted side by side (each on the thread pool); the first
  // refusal in package order is the one reported.
  const shared = await readWeightSet(options.weights);
  const checked = await Promise.allSettled(
    options.packages.map(async (spec) => {
      const verified = await verifyAndExtractPt2(spec.path, {
        cacheDir,
        sha256: spec.sha256,
        modelName: spec.modelName,
      });
      checkPackageFits(spec.path, verified.model, device);
      if (standalone) await checkStandalonePackage(verified.soPath, spec.path);
      // shapes come from the package, tensors' from the safetensors headers: nothing is bound yet
      const own = spec.weights && spec.weights.length > 0 ? [await readWeightSet(spec.weights)] : [];
      checkManifestShapes(spec.bucket.name, spec.path, verified.constants, spec.constants);
      checkConstantShapes(spec.bucket.name, spec.path, verified.constants, [...own, shared]);
      return new Variant(
        spec.bucket,
        verified.pkg,
        verified.modelName,
        spec.weights ?? [],
        verified,
        options.kernelLibraries ?? [],
      );
    }),
  );
  const refused = checked.find((c) => c.status === "rejected");
  if (refused !== undefined) throw refused.reason;
  const variants = checked.map((c) => (c as PromiseFulfilledResult<Variant>).value);
  stages.mark("packages verified");

  let torchLoadMs: number;
  if (torch === null) {
    torchLoadMs = await loadStandaloneRuntime(device.cuda, options.cudaRuntimeLibrary);
    stages.mark("standalone runtime loaded");
  } else {
    // On CUDA a native thread loads the CUDA runtime, creates the context and initialises cuBLAS
    // while libtorch is dlopened (see cuda-prewarm.h); the weights wait only for the context.
    let loaded: Awaited<ReturnType<ReturnType<typeof binding>["loadTorch"]>>;
    try {
      loaded = await startTorchLoad(torch, parsed);
    } catch (error) {
      throw typedNativeFailure(error, "torch", torch.libDir);
    }
    const preload = loaded.preload;
    if (preload !== undefined) {
      // started early (startRuntimeEarly): the dlopens ran beside the loader's own work
      torchLoadMs = preload.to - preload.from + loaded.loadMs;
      stages.native("libtorch dlopen start", preload.from);
      stages.native("libtorch dlopen end", preload.to);
      stages.count("libtorch preload: join wait, ms", preload.joinWaitMs);
      stages.native("libtorch made global", loaded.loadedAt);
    } else {
      torchLoadMs = loaded.loadMs;
      stages.native("libtorch dlopen start", loaded.loadFrom);
      stages.native("libtorch dlopen end", loaded.loadedAt);
    }
    if (loaded.cudartCopies !== undefined && device.cuda)
      stages.count("libcudart copies", loaded.cudartCopies);
    await loadKernelLibraries(options.kernelLibraries ?? [], torch.libDir);
  }

  const store = await createWeightStore(options.weights, device);
  stages.native("weights start", store.builtFrom);
  stages.native("weights end", store.builtAt);
  if (store.contextWaitMs !== undefined && device.cuda)
    stages.count("weights: wait for CUDA context, ms", store.contextWaitMs);
  const opened: Variant[] = options.lazy ? variants.slice(0, 1) : variants;
  let model: NativeLoadedModel;
  try {
    // The prewarm's cuBLAS step may still run: the variants open meanwhile.
    const [containers] = await Promise.all([
      Promise.all(opened.map((v) => v.open(store.handle, device))),
      device.cuda ? binding().joinCudaPrewarm() : undefined,
    ]);
    stages.mark("variants open");
    if (device.cuda) {
      stages.prewarm(binding().cudaPrewarmTimes());
      stages.earlyContext(binding().cudaContextEarlyTimes?.());
    }
    const first = containers[0]!;
    const inputNames = publicInputNames(variants[0]!.bucket, first.inputNames);
    opened.forEach((variant, i) => {
      const names = publicInputNames(variant.bucket, containers[i]!.inputNames);
      if (names === null || inputNames === null || names.join() !== inputNames.join()) {
        throw new ModelLoadError(
          "AOTIHUB_BUCKET_INPUTS_MISMATCH",
          `Variant ${variant.name} does not take its bucket's inputs.`,
          {
            expected: `inputs ${Object.keys(variant.bucket.inputs).join(", ")} as its bucket declares${inputNames ? `, named like the other variants' (${inputNames.join(", ")})` : ""}`,
            received: `a compiled model taking ${containers[i]!.inputNames.length} inputs (${containers[i]!.inputNames.join(", ")})`,
            hint: "load variants of one model with the buckets they were compiled for",
          },
        );
      }
    });
    const stats = {
      torchLoadMs,
      weightBytes: store.bytes,
      weightLoadMs: store.uploadMs,
      weightTensors: store.count,
      zeroCopyTensors: store.zeroCopy,
      stages: stages.table,
    };
    model = new NativeLoadedModel(
      device.name,
      inputNames!,
      first.outputNames,
      stats,
      device,
      variants,
      store,
      cacheDir,
    );
  } catch (error) {
    for (const v of variants) v.dispose();
    binding().disposeHandle(store.handle, "store");
    throw error;
  }
  if (warmup) {
    try {
      await warmUp(model, opened);
    } catch (error) {
      model.dispose();
      throw error;
    }
    stages.mark("warm-up done");
  }
  stages.mark("loaded");
  return model;
}

/** loadTorch, with the CUDA prewarm where torch's own CUDA libraries are found. */
function startTorchLoad(torch: TorchInstall, parsed: { cuda: boolean; index: number }) {
  return binding().loadTorch(torch.libDir, parsed.cuda, cudaPrewarmSpec(torch, parsed));
}

async function describeDevice(parsed: {
  name: string;
  cuda: boolean;
  index: number;
}): Promise<RuntimeDevice> {
  if (!parsed.cuda) return { ...parsed, cpuIsa: detectCpuIsa(), computeCapability: null };
  const cuda = await probeCuda();
  const gpu = cuda.gpus[parsed.index];
  if (gpu === undefined) {
    throw new ModelLoadError("AOTIHUB_NO_SUCH_GPU", `There is no GPU ${parsed.name} on this machine.`, {
      expected: `a CUDA device with index ${parsed.index}`,
      received:
        cuda.gpus.length > 0
          ? `${cuda.gpus.length} GPU(s): ${cuda.gpus.map((g) => g.name).join(", ")}`
          : cuda.reason,
      hint: 'use "cpu", or run on a machine with a CUDA driver and GPU',
    });
  }
  return { ...parsed, cpuIsa: detectCpuIsa(), computeCapability: gpu.computeCapability };
}
