import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pinPrefetched, writeLockfile } from "@aotihub/loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prefetchForThisCpu } from "./support/prefetch-for-this-cpu.js";
import { repoRoot } from "./support/repo-root.js";
import { type ServedHub, serveChild } from "./support/serve-child.js";
import { ensureTestModels } from "./support/test-models.js";

// The HTTP client (undici) and @huggingface/hub (with its hashing wasm) are loaded on first
// network use, not with `import "@aotihub/loader"`: a fresh process that loads a model from a warm
// cache must not pay for them (~130 ms of a 2-core machine's start, bench/import-time.bench.ts).
// Each case runs the built package in a fresh `node`, as a user's process does, and lists the
// modules it loaded.

const execFileAsync = promisify(execFile);
const CHILD = join(repoRoot, "test", "support", "import-footprint-child.mjs");

interface Footprint {
  shape?: number[];
  /** Module URLs resolved through `import`. */
  resolved: string[];
  /** CommonJS files loaded (require.cache). */
  required: string[];
}

/** Every loaded module of the network-only packages, by path. */
function networkModules(footprint: Footprint): string[] {
  return [...footprint.resolved, ...footprint.required].filter((m) =>
    /node_modules\/(undici|@huggingface\/(hub|blake3-jit|xetchunk-wasm)|gearhash-jit)\//.test(m),
  );
}

let scratch: string;
let served: ServedHub;
let projectDir: string;
let hfHome: string;

async function runChild(mode: "import" | "load", env: Record<string, string>): Promise<Footprint> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [CHILD, mode, join(mkdtempSync(join(scratch, "record-")), "resolved.txt")],
    {
      cwd: projectDir,
      env: {
        ...process.env,
        AOTIHUB_CONFIG: undefined, // the project in the working directory, unless a case names one
        HF_HOME: hfHome,
        HF_ENDPOINT: served.url,
        HF_HUB_OFFLINE: "0",
        AOTIHUB_CACHE: join(scratch, "aotihub-cache"),
        ...env,
      },
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Footprint;
}

beforeAll(async () => {
  const models = await ensureTestModels();
  scratch = mkdtempSync(join(tmpdir(), "aotihub-footprint-"));
  const hubRoot = join(scratch, "hub");
  mkdirSync(join(hubRoot, "models", "acme"), { recursive: true });
  cpSync(models.models["tiny-mlp"], join(hubRoot, "models", "acme", "tiny-mlp"), { recursive: true });
  served = await serveChild(hubRoot);

  // a project with tiny-mlp pinned in its lockfile, and a cache that holds every pinned file
  projectDir = join(scratch, "project");
  mkdirSync(projectDir);
  writeFileSync(
    join(projectDir, "aotihub.config.json"),
    JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
  );
  // the same project without its lockfile (none at that path): the load must ask the Hub
  writeFileSync(
    join(scratch, "unpinned.config.json"),
    JSON.stringify({
      aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } },
      index: null,
      trustedRepos: ["acme/tiny-mlp"],
      lockfile: "no-such.lock",
    }),
  );
  hfHome = join(scratch, "hf-home");
  const hub = {
    endpoint: served.url,
    token: undefined,
    hfHome,
    cacheDir: join(hfHome, "hub"),
    offline: false,
  };
  const { models: fetched } = await prefetchForThisCpu("tiny-mlp", projectDir, hub);
  writeLockfile(join(projectDir, "aotihub.lock"), {
    format: "aotihub-lock/1",
    models: { "tiny-mlp": await pinPrefetched(fetched[0]!, hub) },
  });
});

afterAll(async () => {
  await served?.close();
});

describe("import @aotihub/loader loads no HTTP client", () => {
  it("importing the package loads neither undici nor @huggingface/hub", async () => {
    const footprint = await runChild("import", {});
    expect(footprint.resolved.some((m) => m.endsWith("/packages/loader/dist/index.js"))).toBe(true);
    expect(networkModules(footprint)).toEqual([]);
  });

  it("a load from the warm cache with HF_HUB_OFFLINE=1 runs the model and loads neither", async () => {
    const footprint = await runChild("load", { HF_HUB_OFFLINE: "1" });
    expect(footprint.shape).toEqual([2, 4]);
    expect(networkModules(footprint)).toEqual([]);
  });

  it("a load online, every file pinned by the lockfile and cached, sends no request and loads neither", async () => {
    const footprint = await runChild("load", {});
    expect(footprint.shape).toEqual([2, 4]);
    expect(networkModules(footprint)).toEqual([]);
  });

  it("a load that must ask the Hub (no lockfile here) loads undici on the way, and still runs", async () => {
    // the control: the same child, recording the same way, sees undici once a request is made
    const footprint = await runChild("load", { AOTIHUB_CONFIG: join(scratch, "unpinned.config.json") });
    expect(footprint.shape).toEqual([2, 4]);
    expect(networkModules(footprint).some((m) => m.includes("/undici/"))).toBe(true);
  });
});
