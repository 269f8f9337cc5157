import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AotihubError } from "@aotihub/registry";
import type { ExternNode } from "./kernels/extern-nodes.js";
import type { TensorData } from "./tensor/dtypes.js";

/**
 * The only file that touches the compiled `.node` (onnxruntime-node's pattern): every other module
 * goes through this typed surface, and every argument is validated before it gets here.
 */
export interface NativeBinding {
  mapFile(
    path: string,
    offset: number,
    length: number,
  ): { buffer: ArrayBuffer; handle: NativeHandle; fileSize: number };
  unmapFile(handle: NativeHandle, buffer: ArrayBuffer): void;
  /** mode 0 shared, 1 exclusive, 2 unlock; false when another holder has it (never blocks). */
  flock(fd: number, mode: 0 | 1 | 2): boolean;
  probeCuda(): Promise<NativeCudaProbe>;
  /** cuInit and the device's primary context on a native thread (lib/cuda-early.ts). */
  startCudaContextEarly(device: number): void;
  /** Joins that thread; its steady-clock stamps (0: not reached) and the first error. */
  joinCudaContextEarly(): NativeEarlyContextTimes;
  /** The same, now, without waiting (absent from older addons). */
  cudaContextEarlyTimes?(): NativeEarlyContextTimes;
  /** With `prewarm` (CUDA): libcudart, the device's context and cuBLAS start on their own thread first. */
  loadTorch(libDir: string, cuda: boolean, prewarm?: NativeCudaPrewarmSpec): Promise<NativeTorchLoad>;
  /**
   * Starts the CUDA prewarm (as loadTorch) and libtorch's dlopens (RTLD_LOCAL) on native threads
   * without waiting; loadTorch joins them. False where a preload ran or libtorch is loaded already.
   */
  preloadTorch(libDir: string, cuda: boolean, prewarm?: NativeCudaPrewarmSpec): boolean;
  /** The standalone runtime's early start on CUDA: libcudart and the context on the prewarm thread. */
  preloadCudaRuntime(prewarm: NativeCudaPrewarmSpec): void;
  /** The early dlopens' record so far (steady-clock ms; 0: not reached). */
  libtorchPreloadTimes(): {
    ran: boolean;
    from: number;
    to: number;
    joinWaitMs: number;
    cuda: boolean;
    error: string;
  };
  /** The prewarm's steady-clock stamps so far (0: that step has not run). */
  cudaPrewarmTimes(): NativeCudaPrewarmTimes;
  /** Resolves when the prewarm thread (if any) has finished. */
  joinCudaPrewarm(): Promise<void>;
  /** The standalone runtime: the addon's own C shim made global (no libtorch), libcudart for CUDA. */
  loadStandalone(
    cuda: boolean,
    cudaRuntimeLibrary: string,
  ): Promise<{ loadMs: number; cuda: boolean; cudaRuntime: string }>;
  /** The addon file itself (its exported shim functions are read from it). */
  addonPath(): string;
  createWeightStore(spec: NativeWeightStoreSpec): Promise<NativeWeightStore>;
  /** dlopen a custom-op kernel library once per process (after libtorch, before its models). */
  loadKernelLibrary(path: string): Promise<{ alreadyLoaded: boolean; loadMs: number }>;
  /** The schema the dispatcher holds for an op (`available` false: this libtorch cannot be asked). */
  probeOpSchema(opName: string, overload: string): { available: boolean; found: boolean; schema: string };
  openContainer(spec: NativeContainerSpec): Promise<NativeContainer>;
  /**
   * Runs on the device's run thread and resolves; a CPU variant whose recent runs were short
   * (src/runtime/inline-run-policy.h) runs on the calling thread and returns its outputs (or throws).
   */
  runContainer(
    handle: NativeHandle,
    inputs: NativeRunInput[],
    keepOnDevice: boolean,
    out?: (ArrayBufferView | undefined)[],
  ): Promise<NativeRunOutput[]> | NativeRunOutput[];
  /** The same run on the calling thread (no libuv hop): for small models. */
  runContainerSync(
    handle: NativeHandle,
    inputs: NativeRunInput[],
    keepOnDevice: boolean,
    out?: (ArrayBufferView | undefined)[],
  ): NativeRunOutput[];
  /**
   * Benchmarks only: the stage timestamps (8 per run, microseconds, src/runtime/run-trace.h) of the
   * runs since the last call, recorded when AOTIHUB_RUN_TRACE is set; then cleared.
   */
  runTrace(): Float64Array;
  /**
   * Tests only: how many runs in flight keep the event loop polling (src/runtime/event-loop-spin.h),
   * whether this process spins at all (at least 4 usable CPUs, a non-zero bound), and the bound on a
   * variant's recent median run time below which a CUDA run spins.
   */
  runLoopSpins(): { spinning: number; enabled: boolean; thresholdUs: number };
  /** Copies a host tensor to the GPU (toDevice). */
  uploadTensor(
    tensor: { dtype: string; shape: number[]; data: ArrayBufferView },
    deviceIndex: number,
  ): Promise<NativeDeviceOutput>;
  /** Reads a device tensor back (toHost). */
  downloadTensor(handle: NativeHandle): Promise<ArrayBuffer>;
  disposeHandle(handle: NativeHandle, kind: "container" | "store" | "device"): void;
  boundPointers(handle: NativeHandle): Record<string, bigint>;
  deviceMemory(deviceIndex: number): { free: number; total: number };
  pinnedCopyGbps(bytes: number, deviceIndex: number): Promise<number>;
  /** A weight store tensor's bytes, copied back to the host (benchmarks check uploads with it). */
  readStoreTensor(store: NativeHandle, name: string): Promise<ArrayBuffer>;
  /** glibc's malloc totals over all arenas; `xml` adds malloc_info's text. */
  mallocStats(xml?: boolean): NativeMallocStats;
  /** malloc_trim(0): hands free heap pages back to the system. */
  mallocTrim(): boolean;
  /** With test/support/malloc-trace.c preloaded: start recording / write what is still live. */
  mallocTraceMark(): boolean;
  mallocTraceDump(path: string, top: number): number;
}

/** Bytes; all 0 where the C library is not glibc. */
export interface NativeMallocStats {
  arenaBytes: number;
  mmapBytes: number;
  inUseBytes: number;
  freeBytes: number;
  arenas: number;
  xml?: string;
}

export interface NativeTorchLoad {
  loadMs: number;
  cuda: boolean;
  libDir: string;
  /** Steady-clock ms (process.hrtime's clock) around the dlopens (absent in older builds). */
  loadFrom?: number;
  loadedAt?: number;
  /** libcudart copies mapped after the load (1: libtorch bound to the prewarmed copy). */
  cudartCopies?: number;
  /** The early dlopens (preloadTorch), where they ran: steady-clock ms, the wait to join them. */
  preload?: { from: number; to: number; joinWaitMs: number; cuda: boolean; error: string };
}

export interface NativeCudaPrewarmSpec {
  cudart: string;
  cublas?: string;
  cublasLt?: string;
  device: number;
}

/** The early driver start's steps (`--import @aotihub/loader/cuda-early`), steady-clock ms; 0: not reached. */
export interface NativeEarlyContextTimes {
  started: boolean;
  start: number;
  initDone: number;
  ready: number;
  /** The upload's staging slots pinned (0 from older addons, or where the prewarm pinned them). */
  slotsPinned?: number;
  error: string;
}

export interface NativeCudaPrewarmTimes {
  start: number;
  cudartLoaded: number;
  /** 0 from addons built before the prewarm started the driver itself. */
  driverReady?: number;
  contextReady: number;
  stagingPinned: number;
  runtimeInitialized?: number;
  cublasLtReady: number;
  cublasReady: number;
  contextWaitMs: number;
  joinWaitMs: number;
  error: string;
  now: number;
}

/** An opaque native object (a JS external); only the binding understands it. */
export type NativeHandle = { readonly __native: unique symbol };

export interface NativeCudaProbe {
  available: boolean;
  reason: string;
  driverVersion: number;
  gpus: {
    index: number;
    name: string;
    major: number;
    minor: number;
    totalMemory: number;
    pciBusId: number;
  }[];
}

export interface NativeDevice {
  cuda: boolean;
  deviceIndex: number;
}

export interface NativeWeightStoreSpec extends NativeDevice {
  files: {
    path: string;
    tensors: { name: string; dtype: string; shape: number[]; byteOffset: number; byteLength: number }[];
  }[];
}

export interface NativeWeightStore {
  handle: NativeHandle;
  bytes: number;
  uploadMs: number;
  zeroCopy: number;
  count: number;
  /** CUDA: "registered" (file pages page-locked in place) or "staged" (pinned buffers). */
  uploadPath?: string;
  /** Steady-clock ms when the native build began and ended; its wait for a prewarming context. */
  builtFrom?: number;
  builtAt?: number;
  contextWaitMs?: number;
}

export interface NativeContainerSpec extends NativeDevice {
  soPath: string;
  cubinDir: string;
  store: NativeHandle;
  /** A variant's own constants, looked up before the shared store. */
  overrides?: NativeHandle;
  /** The model's custom-op calls, checked against the loaded kernels; empty: no proxy executor. */
  externNodes?: ExternNode[];
}

export interface NativeContainer {
  handle: NativeHandle;
  inputNames: string[];
  outputNames: string[];
  constants: { name: string; fqn: string; folded: boolean; dataSize: number }[];
}

export type NativeRunInput =
  | { dtype: string; shape: number[]; data: ArrayBufferView }
  | { dtype: string; shape: number[]; device: NativeHandle };

/** A device tensor as native code recorded it (dtype, shape and GPU are native facts). */
export interface NativeDeviceOutput {
  dtype: string;
  shape: number[];
  deviceIndex: number;
  device: NativeHandle;
}

/** A host output in a new ArrayBuffer, or written into the caller's `out` array (`data`). */
export type NativeRunOutput =
  | { dtype: string; shape: number[]; buffer: ArrayBuffer }
  | { dtype: string; shape: number[]; data: TensorData }
  | NativeDeviceOutput;

/** A native failure as the addon throws it: a plain Error plus a short code. */
export interface NativeFailure extends Error {
  nativeCode: string;
}

export function isNativeFailure(error: unknown): error is NativeFailure {
  return error instanceof Error && typeof (error as { nativeCode?: unknown }).nativeCode === "string";
}

// The package root: node-gyp-build looks there for build/Release (a source build, preferred when
// present) and then prebuilds/<platform>-<arch>/ (shipped in the npm tarball, sharp's way).
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
let cached: NativeBinding | undefined;

/** The addon, loaded on first use so that importing the package never fails on its own. */
export function binding(): NativeBinding {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  try {
    const load = require("node-gyp-build") as (root: string) => unknown;
    cached = load(PACKAGE_ROOT) as NativeBinding;
    return cached;
  } catch (cause) {
    throw new AotihubError("AOTIHUB_NATIVE_ADDON_MISSING", "The @aotihub/native addon could not be loaded.", {
      expected: `a prebuilt addon in ${PACKAGE_ROOT}prebuilds/${process.platform}-${process.arch}/ or a source build in ${PACKAGE_ROOT}build/Release/, for Node ${process.versions.node} (N-API 8)`,
      received: cause instanceof Error ? cause.message : String(cause),
      hint: "reinstall @aotihub/native (no prebuild for this platform means it builds from source: needs g++, make and python3), or in a checkout run `bash scripts/bootstrap.sh`",
      cause,
    });
  }
}
