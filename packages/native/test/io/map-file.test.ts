import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { mapFile } from "@aotihub/native";
import { describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "aotihub-mmap-"));
const path = join(dir, "data.bin");
const content = Buffer.alloc(3 * 4096 + 123);
for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
writeFileSync(path, content);

describe("mapFile", () => {
  it("maps the whole file zero-copy", () => {
    const m = mapFile(path);
    expect(m.byteLength).toBe(content.length);
    expect(m.fileSize).toBe(content.length);
    expect(Buffer.from(m.bytes).equals(content)).toBe(true);
    m.dispose();
  });

  it("maps an unaligned sub-range", () => {
    const m = mapFile(path, { offset: 4097, length: 5000 });
    expect(Buffer.from(m.bytes).equals(content.subarray(4097, 4097 + 5000))).toBe(true);
    m.dispose();
  });

  it("maps an empty range", () => {
    const m = mapFile(path, { offset: content.length });
    expect(m.byteLength).toBe(0);
    m.dispose();
  });

  it("keeps writes private to the process", () => {
    const m = mapFile(path);
    m.bytes[0] = 0xee;
    expect(m.bytes[0]).toBe(0xee);
    m.dispose();
    expect(readFileSync(path)[0]).toBe(content[0]);
  });

  it("throws a typed error after dispose and leaves old views empty, not dangling", () => {
    const m = mapFile(path);
    const view = m.bytes;
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(() => m.bytes).toThrow(expect.objectContaining({ code: "AOTIHUB_DISPOSED" }));
    expect(view.byteLength).toBe(0);
    expect(view[10]).toBeUndefined();
  });

  it("rejects a range past the end, a missing file and bad arguments with typed errors", () => {
    expect(() => mapFile(path, { offset: 10, length: content.length })).toThrow(
      expect.objectContaining({ code: "AOTIHUB_MMAP_OUT_OF_RANGE" }),
    );
    expect(() => mapFile(join(dir, "nope.bin"))).toThrow(
      expect.objectContaining({ code: "AOTIHUB_MMAP_NOT_FOUND" }),
    );
    expect(() => mapFile(dir)).toThrow(expect.objectContaining({ code: "AOTIHUB_MMAP_FAILED" }));
    expect(() => mapFile(path, { offset: -1 })).toThrow(
      expect.objectContaining({ code: "AOTIHUB_MMAP_INVALID_ARGUMENT" }),
    );
  });

  it("unmaps at once on dispose", () => {
    const before = mappingsOf(path);
    const m = mapFile(path);
    expect(mappingsOf(path)).toBe(before + 1);
    m.dispose();
    expect(mappingsOf(path)).toBe(before);
  });

  it("frees mappings through the GC finalizer when dispose is never called", async () => {
    const before = mappingsOf(path);
    for (let i = 0; i < 50; i++) mapFile(path);
    expect(mappingsOf(path)).toBe(before + 50);
    for (let i = 0; i < 10 && mappingsOf(path) > before; i++) {
      forceGc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(mappingsOf(path)).toBe(before);
  });
});

/** How many live mappings of `file` this process holds, from the kernel's own table. */
function mappingsOf(file: string): number {
  return readFileSync("/proc/self/maps", "utf8")
    .split("\n")
    .filter((line) => line.endsWith(file)).length;
}

function forceGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
