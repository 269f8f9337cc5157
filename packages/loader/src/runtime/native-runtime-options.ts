import type { LoadPackagesOptions } from "@aotihub/native";
import type { Artifact, RuntimeKind } from "@aotihub/registry";
import { type FindCudaRuntimeOptions, findCudaRuntime } from "./find-cuda-runtime.js";

export type NativeRuntimeOptions = Pick<LoadPackagesOptions, "runtime" | "cudaRuntimeLibrary">;

export interface NativeRuntimeInputs {
  /** The caller's libcudart, used as is. */
  cudaRuntimeLibrary?: string | undefined;
  /** How to look for libcudart otherwise (default: findCudaRuntime's own). */
  find?: Omit<FindCudaRuntimeOptions, "cuda">;
}

/**
 * What `loadPackages` needs to run the chosen artifacts: their runtime, and for standalone CUDA
 * builds the libcudart to load, of their CUDA major (a process holds one, so the first CUDA
 * artifact decides). None found: the runtime asks the system's library path by soname.
 */
export async function nativeRuntimeOptions(
  runtime: RuntimeKind,
  chosen: Artifact[],
  inputs: NativeRuntimeInputs = {},
): Promise<NativeRuntimeOptions> {
  if (runtime !== "standalone") return { runtime };
  if (inputs.cudaRuntimeLibrary !== undefined)
    return { runtime, cudaRuntimeLibrary: inputs.cudaRuntimeLibrary };
  const target = chosen.find((a) => a.target.device === "cuda")?.target;
  if (target === undefined || target.device !== "cuda") return { runtime };
  const library = await findCudaRuntime({ ...inputs.find, cuda: target.cuda });
  return library === null ? { runtime } : { runtime, cudaRuntimeLibrary: library };
}
