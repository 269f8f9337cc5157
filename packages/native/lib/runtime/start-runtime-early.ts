import { binding, type NativeCudaPrewarmSpec } from "../binding.js";
import { findTorchCudaLibraries } from "../torch/find-cuda-libraries.js";
import { findTorch } from "../torch/find-torch.js";
import type { TorchInstall } from "../torch/torch-install.js";
import { parseDeviceName } from "./runtime-device.js";
import type { RuntimeKind } from "./standalone-runtime.js";

/** What `startRuntimeEarly` should start: the options a later `loadPackages` will be given. */
export interface EarlyRuntimeRequest {
  /** The runtime the load will most likely ask for (a guess is fine: see below). */
  runtime: RuntimeKind;
  /** "cpu" or "cuda:N", as loadPackages will be given it. */
  device: string;
  /** As loadPackages' `torchDir` (runtime "libtorch"). */
  torchDir?: string;
  /** As loadPackages' `cudaRuntimeLibrary` (runtime "standalone" on CUDA; none: nothing starts). */
  cudaRuntimeLibrary?: string;
}

/** What was started: "libtorch" (dlopens, and on CUDA the prewarm), "cuda runtime", or nothing. */
export type EarlyRuntimeStart = "libtorch" | "cuda runtime" | "nothing";

/**
 * Starts loading the runtime a later `loadPackages` with the same options will need, on native
 * threads, and returns without waiting (cold start, issue 14 goal 2): libtorch's dlopens (and on
 * CUDA the CUDA runtime, context and cuBLAS prewarm), or for the standalone runtime on CUDA the
 * libcudart and the context. `loadPackages` joins what was started; nothing here decides or
 * refuses anything, so a guess that turns out wrong changes no result, only costs work:
 * - libtorch is dlopened RTLD_LOCAL and made global only by `loadPackages` with runtime "libtorch",
 *   so a load that ends on the standalone runtime still binds to the addon's shim (with libtorch
 *   mapped beside it: libtorch_cpu and libtorch_cuda map 865 MiB on the H200 machine, and its
 *   dlopen's CPU time);
 * - a CUDA prewarm leaves a context (and cuBLAS state) on the GPU even where the load then
 *   runs on the CPU: call this with the device the load will use, never "cuda" as a guess.
 * Failures (no torch, a dlopen that fails) are left for `loadPackages` to report, typed, as before.
 */
export async function startRuntimeEarly(request: EarlyRuntimeRequest): Promise<EarlyRuntimeStart> {
  let parsed: ReturnType<typeof parseDeviceName>;
  try {
    parsed = parseDeviceName(request.device);
  } catch {
    return "nothing"; // loadPackages refuses it
  }
  if (request.runtime === "standalone") {
    if (!parsed.cuda || request.cudaRuntimeLibrary === undefined) return "nothing";
    binding().preloadCudaRuntime({ cudart: request.cudaRuntimeLibrary, device: parsed.index });
    return "cuda runtime";
  }
  let torch: TorchInstall;
  try {
    torch = await findTorch(request.torchDir === undefined ? {} : { torchDir: request.torchDir });
  } catch {
    return "nothing";
  }
  if (parsed.cuda && !torch.hasCudaLibrary) return "nothing"; // refused by loadPackages, typed
  return binding().preloadTorch(torch.libDir, parsed.cuda, cudaPrewarmSpec(torch, parsed))
    ? "libtorch"
    : "nothing";
}

/**
 * The CUDA prewarm a libtorch load starts (cuda-prewarm.h), or none: on the CPU, where
 * AOTIHUB_CUDA_PREWARM=0, or where torch's own libcudart is not found.
 * AOTIHUB_CUDA_PREWARM=context creates the context without cuBLAS; =handles initialises cuBLAS
 * without running the small GEMM that pays the process's first-GEMM cost.
 */
export function cudaPrewarmSpec(
  torch: TorchInstall,
  parsed: { cuda: boolean; index: number },
): NativeCudaPrewarmSpec | undefined {
  if (!parsed.cuda || process.env.AOTIHUB_CUDA_PREWARM === "0") return undefined;
  const libs = findTorchCudaLibraries(torch);
  if (libs === null) return undefined;
  const mode = process.env.AOTIHUB_CUDA_PREWARM;
  const cublas = mode !== "context";
  return {
    cudart: libs.cudart,
    device: parsed.index,
    ...(cublas && libs.cublas !== undefined && { cublas: libs.cublas, gemm: mode !== "handles" }),
    ...(cublas && libs.cublasLt !== undefined && { cublasLt: libs.cublasLt }),
  };
}
