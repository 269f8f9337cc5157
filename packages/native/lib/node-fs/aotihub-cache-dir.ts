import { homedir } from "node:os";
import { join } from "node:path";

/**
 * aotihub's own cache (extracted libraries, verification stamps). Kept outside the Hugging Face hub
 * cache on purpose: huggingface_hub's `scan_cache_dir()` reports any foreign folder there.
 */
export function aotihubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AOTIHUB_CACHE) return env.AOTIHUB_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "aotihub");
}
