/**
 * A kernels-community build variant (`build/<variant>/` in a kernel repo), as huggingface/kernels
 * models it in `variants.py` and `backends.py`.
 */
export type KernelBackend =
  | { name: "cuda" | "rocm" | "xpu" | "cann"; major: number; minor: number; variantStr: string }
  | { name: "cpu" | "metal" | "neuron"; variantStr: string };

export type KernelFramework =
  /** `torch28`, `torch210-cxx11`: one torch major.minor, with an optional C++ ABI tag. */
  | { kind: "torch"; major: number; minor: number; cxx11Abi: boolean | null }
  /** `torch-stable-abi29`: built on torch's stable ABI, runs on that torch or newer. */
  | { kind: "torch-stable-abi"; major: number; minor: number }
  | { kind: "tvm-ffi"; major: number; minor: number };

export type KernelVariant =
  | {
      kind: "arch";
      name: string;
      framework: KernelFramework;
      backend: KernelBackend;
      cpu: string;
      os: string;
    }
  /** `torch-cuda`, `torch-cpu`, ... and the legacy `torch-universal`. */
  | { kind: "noarch"; name: string; backendName: string };

/** The machine as kernels sees it: torch's version and ABI, torch's CUDA (not the driver's), CPU and OS. */
export interface KernelSystem {
  /** torch major.minor ("2.8"); a full version ("2.8.0+cu128") is cut to major.minor as kernels does. */
  torch: string | null;
  cxx11Abi: boolean;
  /** The CUDA torch was built with (`torch.version.cuda`), null for a CPU build. */
  cuda: string | null;
  cpu: "x86_64" | "aarch64" | (string & {});
  os: "linux" | "darwin" | "windows" | (string & {});
  /** The GPU's compute capability ("9.0"), for the `archs` check kernels itself lacks. */
  computeCapability?: string;
  /** tvm-ffi major.minor when installed. */
  tvmFfi?: string | null;
}

export interface KernelVariantDecision {
  variant: string;
  ok: boolean;
  reasons: string[];
}

export interface KernelVariantResolution {
  /** The preferred compatible variant, or null. */
  variant: string | null;
  /** Every variant given, in kernels' preference order (accepted first), with its reasons. */
  trace: KernelVariantDecision[];
}
