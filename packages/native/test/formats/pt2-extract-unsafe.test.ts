import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { PT2_FIXTURES, withTempDir } from "./support/fixtures.js";

// The verified copy of a package's .so goes into a folder only this user can enter; where the
// filesystem will not make one (every new folder comes out 0777), the load is refused rather than
// dlopening a .so others could swap. Simulated in a child by preloading support/open-mkdir.cc;
// the same extraction without it is the control.

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
let openMkdirLib: string;

beforeAll(async () => {
  openMkdirLib = join(await mkdtemp(join(tmpdir(), "aotihub-open-mkdir-")), "open-mkdir.so");
  execFileSync("g++", [
    "-shared",
    "-fPIC",
    "-O1",
    "-o",
    openMkdirLib,
    here("./support/open-mkdir.cc"),
    "-ldl",
  ]);
});

function extractInChild(cacheDir: string, preload: boolean) {
  const env = { ...process.env };
  if (preload) {
    env.LD_PRELOAD = openMkdirLib;
    env.AOTIHUB_TEST_OPEN_MKDIR_UNDER = cacheDir;
  }
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", here("./support/verify-extract-child.ts"), PT2_FIXTURES[0]!, cacheDir],
    { encoding: "utf8", env, timeout: 120_000 },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
    result: string;
    mode?: string;
    message?: string;
  };
}

describe("a cache folder that cannot be made private", () => {
  it("extracts into a 0700 folder on an ordinary filesystem (control)", async () => {
    await withTempDir(async (cacheDir) => {
      expect(extractInChild(cacheDir, false)).toEqual({ result: "extracted", mode: "700" });
    });
  });

  it("refuses with AOTIHUB_PT2_EXTRACT_UNSAFE when every new folder comes out open to others", async () => {
    await withTempDir(async (cacheDir) => {
      expect(extractInChild(cacheDir, true)).toMatchObject({
        result: "AOTIHUB_PT2_EXTRACT_UNSAFE",
        message: expect.stringContaining(`Cannot make a private folder ${cacheDir}/`),
      });
    });
  });
});
