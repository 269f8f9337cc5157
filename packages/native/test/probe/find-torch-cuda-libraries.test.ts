import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTorchCudaLibraries } from "../../lib/torch/find-cuda-libraries.js";
import type { TorchInstall } from "../../lib/torch/torch-install.js";

// The CUDA prewarm dlopens torch's own libcudart/libcublas/libcublasLt before libtorch, so that
// libtorch binds to those copies by soname: only files of the CUDA major torch was built for count,
// from torch's lib/ (an unpacked libtorch) or the nvidia wheels beside the torch package.

function site(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "aotihub-cuda-libs-"));
  mkdirSync(join(root, "torch", "lib"), { recursive: true });
  for (const f of files) {
    mkdirSync(join(root, f, ".."), { recursive: true });
    writeFileSync(join(root, f), "");
  }
  return root;
}

const torchAt = (root: string, cuda: string | null): TorchInstall => ({
  dir: join(root, "torch"),
  libDir: join(root, "torch", "lib"),
  fullVersion: "2.11.0",
  version: "2.11.0",
  cuda,
  cxx11Abi: true,
  hasCudaLibrary: cuda !== null,
  source: "test",
});

describe("findTorchCudaLibraries", () => {
  it("a CUDA 13 wheel: nvidia/cu13/lib, never a CUDA 12 runtime left beside it", () => {
    const root = site([
      "nvidia/cuda_runtime/lib/libcudart.so.12",
      "nvidia/cu13/lib/libcudart.so.13",
      "nvidia/cu13/lib/libcublas.so.13",
      "nvidia/cu13/lib/libcublasLt.so.13",
    ]);
    expect(findTorchCudaLibraries(torchAt(root, "13.0"))).toEqual({
      cudart: join(root, "nvidia/cu13/lib/libcudart.so.13"),
      cublas: join(root, "nvidia/cu13/lib/libcublas.so.13"),
      cublasLt: join(root, "nvidia/cu13/lib/libcublasLt.so.13"),
    });
  });

  it("a CUDA 12 wheel: the per-library wheels; an unpacked libtorch: its hashed copies in lib/", () => {
    const wheels = site(["nvidia/cuda_runtime/lib/libcudart.so.12", "nvidia/cublas/lib/libcublas.so.12"]);
    expect(findTorchCudaLibraries(torchAt(wheels, "12.8"))).toEqual({
      cudart: join(wheels, "nvidia/cuda_runtime/lib/libcudart.so.12"),
      cublas: join(wheels, "nvidia/cublas/lib/libcublas.so.12"),
    });
    const unpacked = site(["torch/lib/libcudart-9a3b1c2d.so.12"]);
    expect(findTorchCudaLibraries(torchAt(unpacked, "12.8"))?.cudart).toBe(
      join(unpacked, "torch/lib/libcudart-9a3b1c2d.so.12"),
    );
  });

  it("null where there is nothing to prewarm: a CPU build, or no runtime of torch's major", () => {
    expect(findTorchCudaLibraries(torchAt(site(["nvidia/cu13/lib/libcudart.so.13"]), null))).toBeNull();
    expect(
      findTorchCudaLibraries(torchAt(site(["nvidia/cuda_runtime/lib/libcudart.so.12"]), "13.0")),
    ).toBeNull();
  });
});
