/** A torch installation found on disk (never imported: we only read its files). */
export interface TorchInstall {
  /** The torch package folder (holds version.py and lib/). */
  dir: string;
  libDir: string;
  /** e.g. "2.13.0+cpu" */
  fullVersion: string;
  /** The release without the local part, e.g. "2.13.0". */
  version: string;
  /** The CUDA version torch was built for ("13.0"), or null for a CPU build. */
  cuda: string | null;
  cxx11Abi: boolean;
  hasCudaLibrary: boolean;
  /** Where it was found: "option", "AOTIHUB_TORCH_DIR", or the Python interpreter that knows it. */
  source: string;
}
