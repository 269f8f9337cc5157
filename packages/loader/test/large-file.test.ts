import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CacheLayout, createHubDispatcher, downloadFile, HubClient, parseRepoId } from "@aotihub/loader";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO, ScriptedHub, syntheticContent } from "./support/scripted-hub.js";

const repo = parseRepoId(REPO);
const GiB = 1 << 30;
let hub: ScriptedHub;
let cacheDir: string;

beforeAll(async () => {
  hub = await new ScriptedHub([
    { path: "big.safetensors", content: syntheticContent(GiB, 3), lfs: true },
    { path: "medium.safetensors", content: syntheticContent(48 << 20, 5), lfs: true },
  ]).start();
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-large-"));
}, 120_000);
afterAll(async () => {
  await hub.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const config = () => ({ endpoint: hub.hubUrl, token: undefined, hfHome: cacheDir, cacheDir, offline: false });

it("fetches a 1 GiB LFS file with parallel ranged GETs, verified", async () => {
  const client = new HubClient({ config: config(), dispatcher: createHubDispatcher() });
  const started = performance.now();
  const file = await downloadFile({ repo, path: "big.safetensors", config: config(), client });
  const seconds = (performance.now() - started) / 1000;
  expect(file.etag).toBe(hub.entry("big.safetensors").sha256);
  expect(file.fetchedBytes).toBe(GiB);
  expect(statSync(file.blobPath).size).toBe(GiB);
  const ranged = hub.log.filter((l) => l.includes(" cdn ") && l.includes("bytes="));
  expect(ranged.length).toBe(GiB / (8 << 20));
  console.log(
    `1 GiB verified download over loopback: ${seconds.toFixed(1)} s, ${(1024 / seconds).toFixed(0)} MiB/s`,
  );
  rmSync(file.blobPath);
}, 120_000);

it("resumes a partial file left by a killed download process", async () => {
  const path = "medium.safetensors";
  hub.throttle = 4 << 20; // slow enough to kill it mid-file
  const blobsDir = new CacheLayout(cacheDir).blobsDir(repo);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      resolve(import.meta.dirname, "support/download-child.ts"),
      hub.hubUrl,
      cacheDir,
      path,
    ],
    { cwd: resolve(import.meta.dirname, "../../.."), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const doneChunks = () => {
    const state = readdirSync(blobsDir).find((n) => n.endsWith(".aotihub.incomplete.json"));
    return state === undefined
      ? 0
      : (JSON.parse(readFileSync(join(blobsDir, state), "utf8")).done as number[]).length;
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let chunks = 0;
    try {
      chunks = doneChunks();
    } catch {}
    if (chunks >= 8) break;
    if (child.exitCode !== null) throw new Error(`child exited early: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const resumedChunks = doneChunks();
  expect(resumedChunks).toBeGreaterThanOrEqual(8);
  expect(readdirSync(blobsDir)).not.toContain(hub.entry(path).sha256);

  hub.throttle = 0;
  const client = new HubClient({ config: config(), dispatcher: createHubDispatcher() });
  const file = await downloadFile({
    repo,
    path,
    config: config(),
    client,
    parallelThreshold: 1 << 20,
    chunkSize: 1 << 20,
  });
  expect(file.etag).toBe(hub.entry(path).sha256);
  expect(file.fetchedBytes).toBeLessThanOrEqual((48 - resumedChunks) << 20);
  expect(readdirSync(blobsDir).sort()).toEqual([hub.entry(path).sha256]);
}, 90_000);
