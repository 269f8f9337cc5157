import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import { syntheticBytes, syntheticContent } from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainCommit, writeServedRepo } from "./support/served-repo.js";

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../..");
const pt2 = (seed: number) => syntheticBytes(syntheticContent(40_000, seed));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const avx2 = pt2(1);
const avx512 = pt2(2);
const artifact = (path: string, bytes: Buffer, isa: string) => ({
  path,
  sha256: sha(bytes),
  size: bytes.length,
  profile: "fp32",
  bucket: { name: "2", inputs: { x: [2, 8] } },
  target: { device: "cpu", cpuIsa: [isa], torch: ">=2.13.0 <2.14.0", os: "linux", machine: "x86_64" },
  kernels: [],
});
const manifest = {
  format: "aotihub/1",
  name: "tiny",
  weights: { fp32: { files: ["weights/model.safetensors"] } },
  profiles: { fp32: { weights: "fp32" } },
  artifacts: [
    artifact("aoti/cpu-avx2/b2.pt2", avx2, "AVX2"),
    artifact("aoti/cpu-avx512/b2.pt2", avx512, "AVX512"),
  ],
};
const device = {
  os: "linux",
  machine: "x86_64",
  cpuIsa: ["AVX2"],
  cuda: null,
  torch: { version: "2.13.0", cuda: null, cxx11Abi: true },
};

let hub: HubServer;
let root: string;
let COMMIT: string;
let cacheDir: string;
const cli = async (...args: string[]) => {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "packages/loader/src/cli/main.ts", ...args],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        HF_ENDPOINT: hub.url,
        HF_HUB_CACHE: cacheDir,
        HF_HOME: cacheDir,
        HF_TOKEN: "",
      },
    },
  );
  return stdout;
};

beforeAll(async () => {
  root = await writeServedRepo({
    "aotihub.json": Buffer.from(JSON.stringify(manifest)),
    "aoti/cpu-avx2/b2.pt2": avx2,
    "aoti/cpu-avx512/b2.pt2": avx512,
    "weights/model.safetensors": syntheticBytes(syntheticContent(3 << 20, 9)),
  });
  hub = await startHubServer({ root });
  COMMIT = await mainCommit(hub.url);
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-cli-"));
});
afterAll(async () => {
  await hub.close();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe("aotihub download / prefetch / cache", () => {
  it("prefetch --json fetches what the device needs, verified against the manifest", async () => {
    const out = JSON.parse(await cli("prefetch", "acme/tiny", "--device", JSON.stringify(device), "--json"));
    expect(out.files.map((f: { path: string }) => f.path).sort()).toEqual([
      "aoti/cpu-avx2/b2.pt2",
      "aotihub.json",
      "weights/model.safetensors",
    ]);
    const pt2File = out.files.find((f: { path: string }) => f.path === "aoti/cpu-avx2/b2.pt2");
    expect(pt2File).toEqual({
      repo: "acme/tiny",
      path: "aoti/cpu-avx2/b2.pt2",
      commit: COMMIT,
      blob: join(cacheDir, "models--acme--tiny", "blobs", sha(avx2)),
      size: avx2.length,
      sha256: sha(avx2),
    });
    const all = JSON.parse(await cli("prefetch", "acme/tiny", "--all-variants", "--json"));
    expect(all.files).toHaveLength(4);
  });

  it("download prints snapshot paths; cache ls, verify and gc see the same cache", async () => {
    const path = (await cli("download", "acme/tiny", "aotihub.json")).trim();
    expect(path).toBe(join(cacheDir, "models--acme--tiny", "snapshots", COMMIT, "aotihub.json"));
    const ls = JSON.parse(await cli("cache", "ls", "--json"));
    expect(ls.repos[0]).toMatchObject({
      type: "model",
      name: "acme/tiny",
      revisions: [{ commit: COMMIT, refs: ["main"], files: 4 }],
    });
    expect(JSON.parse(await cli("cache", "verify", "--json"))).toEqual({ checked: 4, corrupt: [] });
    // an orphan blob is what gc removes; referenced ones stay
    writeFileSync(join(cacheDir, "models--acme--tiny", "blobs", "0".repeat(64)), "orphan");
    const gc = JSON.parse(await cli("cache", "gc", "--json"));
    expect(gc.removed.map((r: { blob: string }) => r.blob)).toEqual(["0".repeat(64)]);
    expect(JSON.parse(await cli("cache", "verify", "--json")).checked).toBe(4);

    // A blob whose bytes no longer match its name: verify names it, with what it hashes to, and exits 1.
    const blobs = join(cacheDir, "models--acme--tiny", "blobs");
    const victim = readdirSync(blobs).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    const bytes = readFileSync(join(blobs, victim));
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(join(blobs, victim), bytes);
    const failed = await cli("cache", "verify", "--json").then(
      () => null,
      (e: { code?: number; stdout?: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(JSON.parse(failed!.stdout!)).toEqual({
      checked: 4,
      corrupt: [{ repo: "models/acme/tiny", blob: victim, ok: false, actual: sha(bytes) }],
    });
  });
});
