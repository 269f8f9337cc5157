/** The text git-lfs stores in git in place of a large file; its size is the `pointerSize` the Hub reports. */
export function lfsPointer(sha256: string, size: number): Buffer {
  return Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`,
    "utf8",
  );
}
