import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  type HostileAttack,
  hostileFault,
  startTestHubServer,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import { downloadFile, HubClient, type HubConfig, snapshotDownload } from "@aotihub/loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, writeServedRepo } from "./support/served-repo.js";

// The hostile Hub: a malicious or man-in-the-middled endpoint answers every request of one kind
// with an attack. For each: a typed refusal, within a bounded number of requests (a budget, not a
// clock), and nothing written outside the cache: a canary folder next to it stays as it was, and
// the cache gains no blob, snapshot or ref (a lock file or a partial download may stay).

const TOKEN = "hf_victim_token";
const REQUEST_BUDGET = 40;
const repo = { type: "model" as const, name: REPO };

let root: string;
let server: TestHubServer;
let other: TestHubServer;
let home: string;
let canary: string;

beforeAll(async () => {
  root = await writeServedRepo({
    "config.json": Buffer.from('{"hidden_size": 8}'),
    "build/torch-cpu/kernel.py": Buffer.from("print('kernel')\n"),
  });
  server = await startTestHubServer({ root, access: { tokens: { [TOKEN]: { user: "victim" } } } });
  other = await startTestHubServer({ root: await mkdtemp(join(tmpdir(), "aotihub-elsewhere-")) });
  home = await mkdtemp(join(tmpdir(), "aotihub-hostile-home-"));
  canary = join(home, "canary");
  await mkdir(canary);
  await writeFile(join(canary, "keep.txt"), "unchanged");
});

afterAll(async () => {
  await Promise.all([server?.close(), other?.close()]);
});

function config(name: string): HubConfig {
  const hfHome = join(home, name);
  return { endpoint: server.url, token: TOKEN, hfHome, cacheDir: join(hfHome, "hub"), offline: false };
}

/** Every file under a folder with the sha256 of its bytes (a missing folder is empty). */
async function contents(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    const path = join(e.parentPath, e.name);
    const bytes = await readFile(path).catch(() => Buffer.from("<dangling link>"));
    out[relative(dir, path)] = createHash("sha256").update(bytes).digest("hex");
  }
  return out;
}

/** What the cache holds that a refused attack may leave: locks and resumable partial downloads. */
const harmless = (path: string) => path.startsWith(".locks/") || path.endsWith(".incomplete");

const snapshotsDir = (cfg: HubConfig) => join(cfg.cacheDir, "models--acme--tiny", "snapshots");
const blobsDir = (cfg: HubConfig) => join(cfg.cacheDir, "models--acme--tiny", "blobs");

interface Case {
  attack: HostileAttack;
  /** What the client does while the attack runs. */
  run: (cfg: HubConfig) => Promise<unknown>;
  /** Where the traversal aims, for the client's folder it joins the value onto. */
  target?: (cfg: HubConfig) => string;
  codes: string[];
}

const download = (cfg: HubConfig) =>
  downloadFile({ repo, path: "config.json", config: cfg, client: new HubClient({ config: cfg }) });
const snapshot = (cfg: HubConfig) =>
  snapshotDownload({ repo, config: cfg, client: new HubClient({ config: cfg }) });

const CASES: Case[] = [
  {
    attack: "commit-traversal",
    run: download,
    target: (cfg) => `${relative(snapshotsDir(cfg), canary)}/c`,
    codes: ["AOTIHUB_HUB_UNSAFE_VALUE"],
  },
  {
    attack: "etag-traversal",
    run: download,
    target: (cfg) => relative(blobsDir(cfg), join(canary, "secret")),
    codes: ["AOTIHUB_HUB_UNSAFE_VALUE"],
  },
  {
    attack: "absolute-tree-path",
    run: snapshot,
    target: () => join(canary, "x"),
    codes: ["AOTIHUB_HUB_UNSAFE_VALUE"],
  },
  {
    attack: "traversal-tree-path",
    run: snapshot,
    target: () => `${"../".repeat(24)}${canary.slice(1)}/x`,
    codes: ["AOTIHUB_HUB_UNSAFE_VALUE"],
  },
  { attack: "cross-origin-pagination", run: snapshot, codes: ["AOTIHUB_HUB_UNSAFE_VALUE"] },
  { attack: "huge-listing", run: snapshot, codes: ["AOTIHUB_HUB_UNSAFE_VALUE"] },
  { attack: "redirect-loop", run: download, codes: ["AOTIHUB_REDIRECT_LOOP", "AOTIHUB_NOT_IN_CACHE"] },
  { attack: "huge-headers", run: download, codes: ["AOTIHUB_NOT_IN_CACHE", "AOTIHUB_NETWORK_ERROR"] },
  {
    attack: "wrong-content-length",
    run: download,
    // the resume after the short body is answered with the same 200, not a 206: BAD_RANGE_RESPONSE
    codes: [
      "AOTIHUB_INCOMPLETE_DOWNLOAD",
      "AOTIHUB_NETWORK_ERROR",
      "AOTIHUB_HUB_HTTP_ERROR",
      "AOTIHUB_BAD_RANGE_RESPONSE",
    ],
  },
  {
    attack: "endless-body",
    run: download,
    codes: ["AOTIHUB_BAD_RANGE_RESPONSE", "AOTIHUB_HASH_MISMATCH", "AOTIHUB_NETWORK_ERROR"],
  },
];

describe("a hostile Hub", () => {
  for (const c of CASES) {
    it(`${c.attack}: a typed refusal, a bounded number of requests, nothing written outside the cache`, async () => {
      const cfg = config(c.attack);
      const canaryBefore = await contents(canary);
      const cacheBefore = await contents(cfg.cacheDir);
      server.faults.clear();
      const seen = server.requests.length;
      server.faults.inject(
        hostileFault(c.attack, {
          ...(c.target && { target: c.target(cfg) }),
          otherOrigin: other.url,
        }),
      );
      try {
        const error = await c.run(cfg).then(
          () => new Error("the client accepted the attack"),
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: expect.stringMatching(/^AOTIHUB_/) });
        expect(c.codes).toContain((error as { code: string }).code);
      } finally {
        server.faults.clear();
      }
      expect(server.requests.length - seen).toBeLessThanOrEqual(REQUEST_BUDGET);
      expect(await contents(canary)).toEqual(canaryBefore);
      const cacheAfter = await contents(cfg.cacheDir);
      const added = Object.keys(cacheAfter).filter((p) => !(p in cacheBefore) && !harmless(p));
      expect(added).toEqual([]);
      if (c.attack === "cross-origin-pagination") expect(other.requests).toEqual([]);
    });
  }

  it("serves the same repo honestly once the attacks stop (the cases above are not vacuous)", async () => {
    const cfg = config("honest");
    const file = await download(cfg);
    expect(await readFile(file.snapshotPath, "utf8")).toBe('{"hidden_size": 8}');
    const snap = await snapshot(cfg);
    expect(snap.files.map((f) => f.path).sort()).toEqual(["build/torch-cpu/kernel.py", "config.json"]);
  });
});
