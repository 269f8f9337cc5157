import { existsSync } from "node:fs";
import { join } from "node:path";
import { pythonLayout } from "@aotihub/native";

export interface FindCudaRuntimeOptions {
  /** The CUDA major the artifacts were built with ("13.0" -> libcudart.so.13). */
  cuda: string;
  /** Environment to read AOTIHUB_PYTHON, CUDA_HOME and CUDA_PATH from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Interpreters whose nvidia wheels to look in (default: $AOTIHUB_PYTHON, then python3). */
  pythons?: string[];
  /** The toolkit tried after CUDA_HOME and CUDA_PATH (default /usr/local/cuda). */
  defaultToolkit?: string;
}

/** Where each CUDA major's runtime wheel puts libcudart, under site-packages/nvidia/. */
const WHEEL_FOLDERS: Record<string, string> = {
  "12": "cuda_runtime/lib", // nvidia-cuda-runtime-cu12
  "13": "cu13/lib", // nvidia-cuda-runtime 13.x (the cu13 wheels share one folder)
};

/**
 * The libcudart a standalone CUDA artifact needs, as a file: from the nvidia-cuda-runtime wheel of
 * $AOTIHUB_PYTHON or python3, then CUDA_HOME / CUDA_PATH / /usr/local/cuda. Null when none is
 * there: the runtime then asks the system's library search path for `libcudart.so.<major>`.
 */
export async function findCudaRuntime(options: FindCudaRuntimeOptions): Promise<string | null> {
  const env = options.env ?? process.env;
  const major = options.cuda.split(".")[0] ?? options.cuda;
  const soname = `libcudart.so.${major}`;
  const wheelFolder = WHEEL_FOLDERS[major];
  const pythons = options.pythons ?? [env.AOTIHUB_PYTHON, "python3"].filter((p): p is string => !!p);
  if (wheelFolder !== undefined) {
    for (const python of pythons) {
      for (const nvidia of await nvidiaFolders(python, env)) {
        const file = join(nvidia, wheelFolder, soname);
        if (existsSync(file)) return file;
      }
    }
  }
  const toolkits = [env.CUDA_HOME, env.CUDA_PATH, options.defaultToolkit ?? "/usr/local/cuda"].filter(
    (p): p is string => !!p,
  );
  for (const toolkit of toolkits) {
    const file = join(toolkit, "lib64", soname);
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * The `nvidia` namespace folders an interpreter sees (none when it is missing or has none): from
 * the same spawn as findTorch's where a load asked it already (pythonLayout).
 */
async function nvidiaFolders(python: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return (await pythonLayout(python, env, "cuda")).nvidia;
}
