import { join } from "node:path";
import { type LoadedModel, loadPackages } from "@aotihub/native";
import { repoPackages } from "../../../../test/support/repo-packages.js";
import { repoRoot } from "../../../../test/support/repo-root.js";
import { testTorch } from "./python.js";

/** Where tests extract compiled libraries (gitignored, content-addressed, shared across runs). */
export const soCacheDir = join(repoRoot, ".cache", "native-test-so");

export async function loadRepo(
  repo: string,
  options: { buckets?: string[]; device?: string; lazy?: boolean } = {},
): Promise<LoadedModel> {
  return loadPackages({
    ...repoPackages(repo, options.buckets),
    device: options.device ?? "cpu",
    torchDir: (await testTorch()).dir,
    cacheDir: soCacheDir,
    ...(options.lazy ? { lazy: true } : {}),
  });
}

// The io files and comparisons are shared with the end-to-end and GPU suites.
export {
  type BucketIo,
  readBucketIo,
  readTensors,
  relativeError,
  sameBytes,
  toNumbers,
} from "../../../../test/support/bucket-io.js";
export { repoPackages } from "../../../../test/support/repo-packages.js";
