import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TorchInstall } from "./torch-install.js";

/** The CUDA libraries a CUDA build of torch loads, as files (see the native CUDA prewarm). */
export interface TorchCudaLibraries {
  cudart: string;
  cublas?: string;
  cublasLt?: string;
}

/**
 * Where torch's own libcudart, libcublas and libcublasLt are: its lib/ (an unpacked libtorch, names
 * with a hash), or the nvidia wheels beside it (site-packages/nvidia/cu13/lib for CUDA 13, the
 * per-library wheels for CUDA 12). Only the major version torch was built for is taken, so the
 * copy found is the one libtorch_cuda's DT_NEEDED names. Null when torch has none to offer: the
 * prewarm is then skipped and libtorch finds its libraries itself, as before.
 */
export function findTorchCudaLibraries(torch: TorchInstall): TorchCudaLibraries | null {
  if (torch.cuda === null) return null;
  const major = torch.cuda.split(".")[0]!;
  const site = dirname(torch.dir);
  const dirs = [
    torch.libDir,
    join(site, "nvidia", `cu${major}`, "lib"),
    join(site, "nvidia", "cuda_runtime", "lib"),
    join(site, "nvidia", "cublas", "lib"),
  ];
  const find = (stem: string): string | undefined => {
    const name = new RegExp(`^${stem}(-[0-9a-f]{8})?\\.so\\.${major}$`);
    for (const dir of dirs) {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      const hit = entries.find((e) => name.test(e));
      if (hit !== undefined) return join(dir, hit);
    }
    return undefined;
  };
  const cudart = find("libcudart");
  if (cudart === undefined) return null;
  const cublas = find("libcublas");
  const cublasLt = find("libcublasLt");
  return { cudart, ...(cublas && { cublas }), ...(cublasLt && { cublasLt }) };
}
