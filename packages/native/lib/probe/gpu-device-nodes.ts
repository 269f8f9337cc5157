import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Whether this process will most likely see a CUDA GPU, told in microseconds from the NVIDIA
 * driver's device nodes instead of the driver's ~0.1 s cuInit: a guess that lets a load under
 * device "auto" start libtorch's dlopens before the probe answers (loadCompiled corrects a wrong
 * guess once it has). False where CUDA_VISIBLE_DEVICES hides every GPU, off Linux, or where the
 * nodes are missing (no driver, a container without GPU access).
 */
export function cudaGpuLikely(env: NodeJS.ProcessEnv = process.env, devDir = "/dev"): boolean {
  if (process.platform !== "linux") return false;
  const visible = env.CUDA_VISIBLE_DEVICES?.trim();
  if (visible !== undefined && (visible === "" || visible.startsWith("-"))) return false;
  if (!existsSync(join(devDir, "nvidiactl"))) return false;
  try {
    return readdirSync(devDir).some((name) => /^nvidia\d+$/.test(name));
  } catch {
    return false;
  }
}
