import picomatch from "picomatch";

/** Which files a repo stores through LFS; the Hub decides by size and by `.gitattributes` patterns. */
export interface LfsRule {
  thresholdBytes: number;
  patterns: readonly string[];
}

export const DEFAULT_LFS_THRESHOLD_BYTES = 10 * 1024 * 1024;

/** Binary weight and model formats the Hub's default `.gitattributes` tracks with LFS. */
export const DEFAULT_LFS_PATTERNS: readonly string[] = [
  "*.safetensors",
  "*.pt2",
  "*.so",
  "*.bin",
  "*.pt",
  "*.pth",
  "*.ckpt",
  "*.onnx",
  "*.gguf",
  "*.zip",
];

/** Returns a predicate telling whether a repo path of the given size is an LFS file. */
export function createLfsMatcher(rule: LfsRule): (path: string, size: number) => boolean {
  const matches = picomatch([...rule.patterns], { basename: true, dot: true });
  // Empty files are never LFS: the Hub stores them in git (an empty upload to S3 fails).
  return (path, size) => size > 0 && (size >= rule.thresholdBytes || matches(path));
}
