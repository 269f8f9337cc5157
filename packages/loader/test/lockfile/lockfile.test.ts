import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Lockfile } from "../../src/lockfile/lockfile-schema.js";
import { emptyLockfile, readLockfile, writeLockfile } from "../../src/lockfile/read-write-lockfile.js";

const sha = (c: string) => c.repeat(64);
const lock: Lockfile = {
  format: "aotihub-lock/1",
  models: {
    "tiny-dit": {
      repo: "acme/tiny-dit",
      revision: "main",
      commit: "a".repeat(40),
      manifest: { path: "aotihub.json", sha256: sha("1"), size: 10 },
      profiles: {
        fp32: {
          weights: [{ path: "weights/fp32/model.safetensors", sha256: sha("2"), size: 20 }],
          targets: {
            "cpu-linux-x86_64-AVX2-torch>=2.13.0 <2.14.0": {
              artifacts: [{ path: "aoti/cpu/fp32/64.pt2", bucket: "64", sha256: sha("3"), size: 30 }],
              kernels: [],
            },
          },
        },
      },
    },
  },
};

describe("lockfile", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aotihub-lock-"));

  it("round-trips and writes the same bytes for the same pins", () => {
    const file = path.join(dir, "aotihub.lock");
    writeLockfile(file, lock);
    const first = readFileSync(file, "utf8");
    expect(readLockfile(file)).toEqual(lock);
    writeLockfile(file, JSON.parse(first));
    expect(readFileSync(file, "utf8")).toBe(first);
  });

  it("is null when absent and a typed error when damaged", () => {
    expect(readLockfile(path.join(dir, "none.lock"))).toBeNull();
    const bad = path.join(dir, "bad.lock");
    writeFileSync(
      bad,
      JSON.stringify({ ...emptyLockfile(), models: { x: { repo: "a/b", commit: "nothex" } } }),
    );
    expect(() => readLockfile(bad)).toThrowError(
      expect.objectContaining({
        code: "AOTIHUB_LOCKFILE_INVALID",
        message: expect.stringContaining("$.models.x.commit"),
      }),
    );
  });
});
