// The real Python huggingface_hub as the judge of cache compatibility: what we write, Python reads
// offline with no warning; what Python writes, we read offline; and both writing the same blob at
// once end in one verified blob (they share the flock on .locks/<repo>/<etag>.lock).
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import { CacheLayout, downloadFile, type HubConfig, parseRepoId, snapshotDownload } from "@aotihub/loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPython } from "./support/python.js";

const run = promisify(execFile);
const python = testPython();
const repo = parseRepoId("acme/interop");
const files: Record<string, Buffer> = {
  "config.json": Buffer.from('{"format": "test"}\n'),
  "nested/deeper/notes.md": Buffer.from("# notes\n"),
  "weights/model.safetensors": randomBytes(40 * 1024 * 1024),
};

let root: string;
let hub: TestHubServer;

function config(cacheDir: string, offline = false): HubConfig {
  return { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline };
}

async function py(cacheDir: string, code: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(python, ["-c", code], {
    env: {
      ...process.env,
      HF_ENDPOINT: hub.url,
      HF_HUB_CACHE: cacheDir,
      HF_HUB_DISABLE_XET: "1",
      ...extraEnv,
    },
    maxBuffer: 1 << 20,
  });
  return stdout.trim();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "aotihub-interop-"));
  for (const [path, bytes] of Object.entries(files)) {
    const full = join(root, "hub", "models", "acme", "interop", path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }
  hub = await startTestHubServer({ root: join(root, "hub"), throttleBytesPerSecond: 64 * 1024 * 1024 });
});
afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("cache interop with Python huggingface_hub 1.x", () => {
  it("Python finds everything we downloaded, offline, and scan_cache_dir has no warnings", async () => {
    const cacheDir = join(root, "cache-node-first");
    const snapshot = await snapshotDownload({ repo, config: config(cacheDir) });
    expect(snapshot.files).toHaveLength(3);
    const report = JSON.parse(
      await py(
        cacheDir,
        `
import json, os
from huggingface_hub import hf_hub_download, snapshot_download, scan_cache_dir
paths = {p: hf_hub_download("acme/interop", p, local_files_only=True) for p in ${JSON.stringify(Object.keys(files))}}
snap = snapshot_download("acme/interop", local_files_only=True)
info = scan_cache_dir()
print(json.dumps({"paths": paths, "snap": snap, "warnings": [str(w) for w in info.warnings],
  "repos": [(r.repo_id, r.nb_files, r.size_on_disk) for r in info.repos],
  "incomplete": len(info.incomplete_files)}))
`,
        { HF_HUB_OFFLINE: "1" },
      ),
    );
    expect(report.warnings).toEqual([]);
    expect(report.incomplete).toBe(0);
    expect(report.snap).toBe(snapshot.folder);
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(report.repos).toEqual([["acme/interop", 3, total]]);
    for (const [path, bytes] of Object.entries(files))
      expect(readFileSync(report.paths[path]).equals(bytes)).toBe(true);
  });

  it("we find everything Python downloaded, offline", async () => {
    const cacheDir = join(root, "cache-python-first");
    const folder = await py(
      cacheDir,
      `from huggingface_hub import snapshot_download; print(snapshot_download("acme/interop"))`,
    );
    const offline = config(cacheDir, true);
    for (const [path, bytes] of Object.entries(files)) {
      const file = await downloadFile({ repo, path, config: offline });
      expect(file.snapshotPath.startsWith(folder)).toBe(true);
      expect(readFileSync(file.snapshotPath).equals(bytes)).toBe(true);
    }
    const snapshot = await snapshotDownload({ repo, config: offline });
    expect(snapshot.folder).toBe(folder);
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(Object.keys(files).sort());
  });

  it("a Python and a Node download of the same blob at once both succeed; the blob is written once", async () => {
    const cacheDir = join(root, "cache-race");
    const path = "weights/model.safetensors";
    const before = hub.requests.length;
    const [pyPath, node] = await Promise.all([
      py(
        cacheDir,
        `from huggingface_hub import hf_hub_download; print(hf_hub_download("acme/interop", "${path}"))`,
      ),
      downloadFile({ repo, path, config: config(cacheDir) }),
    ]);
    const sha256 = createHash("sha256").update(files[path]!).digest("hex");
    expect(readFileSync(pyPath).equals(files[path]!)).toBe(true);
    expect(node.etag).toBe(sha256);
    expect(readFileSync(node.snapshotPath).equals(files[path]!)).toBe(true);
    const blobs = readdirSync(new CacheLayout(cacheDir).blobsDir(repo));
    expect(blobs).toEqual([sha256]);
    // one writer: the CDN served the file's bytes to exactly one of the two clients
    const cdn = hub.requests.slice(before).filter((r) => r.origin === "cdn" && r.method === "GET");
    const pythonGets = cdn.filter((r) => r.range === undefined).length;
    const nodeGets = cdn.filter((r) => r.range !== undefined).length;
    expect(pythonGets === 0 || nodeGets === 0).toBe(true);
    expect(pythonGets + nodeGets).toBeGreaterThan(0);
    expect(node.fetchedBytes === 0).toBe(nodeGets === 0);
  });
});
