import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeDevice } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_CLI, type ServedHub, serveChild } from "./support/serve-child.js";
import { ensureTestModels, type TestModels } from "./support/test-models.js";

// The `aotihub` commands docs/security.md and docs/publishing.md recommend, run for real: the built
// CLI as child processes, against a local Hub that is itself `aotihub serve` on loopback. Each
// refusal is checked by its exit status 2, its code and its message on stderr.

const CLI = BUILT_CLI;
const WRITER = "hf_cli_writer";
let models: TestModels;
let scratch: string;
let hubRoot: string;
let serve: ServedHub;
let endpoint = "";
let published = "";
/** This machine as a device profile without its GPU: `--device` takes "auto", JSON or @file. */
let cpuDevice = "";

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; `env` adds to (and may blank) a clean Hub environment. */
function aotihub(args: string[], env: Record<string, string> = {}, cwd = scratch): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd,
        env: {
          ...process.env,
          HF_ENDPOINT: endpoint,
          HF_HOME: join(scratch, "hf-home"),
          HF_HUB_CACHE: join(scratch, "hf-cache"),
          AOTIHUB_CACHE: join(scratch, "aotihub-cache"),
          HF_TOKEN: "",
          HF_HUB_OFFLINE: "",
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: typeof code === "number" ? code : 0, stdout, stderr });
      },
    );
  });
}

/** A refusal: exit 2 and `aotihub: <message> [CODE]` on stderr. */
function expectRefusal(outcome: Outcome, code: string, message: string | RegExp): void {
  expect(outcome.status, outcome.stderr).toBe(2);
  expect(outcome.stderr).toContain(`[${code}]`);
  if (typeof message === "string") expect(outcome.stderr).toContain(message);
  else expect(outcome.stderr).toMatch(message);
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeAll(async () => {
  expect(existsSync(CLI), `${CLI} is built by the global setup`).toBe(true);
  models = await ensureTestModels();
  cpuDevice = JSON.stringify({ ...(await probeDevice()), cuda: null });
  scratch = mkdtempSync(join(tmpdir(), "aotihub-cli-"));
  hubRoot = join(scratch, "hub");
  mkdirSync(join(hubRoot, "models"), { recursive: true });
  writeFileSync(
    join(hubRoot, ".aotihub-server.json"),
    JSON.stringify({ tokens: { [WRITER]: { user: "acme", write: true } } }),
  );
  serve = await serveChild(hubRoot);
  endpoint = serve.url;
});

afterAll(() => serve?.close());

describe("aotihub serve, publish, lock, prefetch --lock, probe", () => {
  it("serve answers as a Hub on loopback", async () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const whoami = await fetch(`${endpoint}/api/whoami-v2`, {
      headers: { authorization: `Bearer ${WRITER}` },
    });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ name: "acme" });
  });

  it("publish uploads an exported folder to a new repo in one commit", async () => {
    const out = await aotihub(["publish", models.models["tiny-mlp"], "acme/tiny-mlp", "--create", "--json"], {
      HF_TOKEN: WRITER,
    });
    expect(out.status, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { commit: string; files: string[] };
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(result.files).toContain("aotihub.json");
    published = result.commit;
    const info = await fetch(`${endpoint}/api/models/acme/tiny-mlp/revision/main`);
    expect(((await info.json()) as { sha: string }).sha).toBe(published);
  });

  it("lock pins the published commit and every sha256 in aotihub.lock", async () => {
    const project = join(scratch, "project-lock");
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "aotihub.config.json"),
      JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
    );
    const out = await aotihub(["lock", "tiny-mlp", "--device", cpuDevice], {}, project);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(`locked tiny-mlp -> acme/tiny-mlp@${published} (fp32)`);
    const lock = JSON.parse(readFileSync(join(project, "aotihub.lock"), "utf8"));
    expect(lock.format).toBe("aotihub-lock/1");
    expect(lock.models["tiny-mlp"]).toMatchObject({ repo: "acme/tiny-mlp", commit: published });
    const text = JSON.stringify(lock);
    const manifest = JSON.parse(readFileSync(join(models.models["tiny-mlp"], "aotihub.json"), "utf8"));
    for (const artifact of manifest.artifacts as { sha256: string }[])
      expect(text).toContain(artifact.sha256);
    expect(text).toContain(sha256(join(models.models["tiny-mlp"], "aotihub.json")));
  });

  it("prefetch --lock fills an empty cache and pins what it fetched; offline resolve then works", async () => {
    const project = join(scratch, "project-prefetch");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "aotihub.config.json"), JSON.stringify({ index: null }));
    const cache = { HF_HUB_CACHE: join(scratch, "prefetch-cache") };
    const out = await aotihub(
      ["prefetch", "acme/tiny-mlp", "--device", cpuDevice, "--lock", "--json"],
      cache,
      project,
    );
    expect(out.status, out.stderr).toBe(0);
    const { files } = JSON.parse(out.stdout) as { files: { path: string; sha256: string; blob: string }[] };
    expect(files.map((f) => f.path)).toContain("aotihub.json");
    for (const file of files) {
      expect(file.blob.startsWith(cache.HF_HUB_CACHE)).toBe(true);
      expect(sha256(file.blob)).toBe(file.sha256);
    }
    const lock = JSON.parse(readFileSync(join(project, "aotihub.lock"), "utf8"));
    expect(lock.models["acme/tiny-mlp"]).toMatchObject({ repo: "acme/tiny-mlp", commit: published });
    const offline = await aotihub(
      ["resolve", "acme/tiny-mlp", "--device", cpuDevice],
      { ...cache, HF_HUB_OFFLINE: "1" },
      project,
    );
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toContain("b2");
  });

  it("probe prints what this machine offers, as the runtime probes it", async () => {
    const out = await aotihub(["probe", "--json"]);
    expect(out.status, out.stderr).toBe(0);
    const probed = JSON.parse(out.stdout) as {
      devices: { os: string; machine: string; cpuIsa?: string[] }[];
    };
    const here = await probeDevice();
    expect(probed.devices[0]).toMatchObject({ os: here.os, machine: here.machine, cpuIsa: here.cpuIsa });
    const text = await aotihub(["probe"]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(here.cuda ? (here.cuda.name ?? "GPU") : "no CUDA GPU");
  });
});

describe("publish refuses, and uploads nothing", () => {
  it("AOTIHUB_PUBLISH_NO_MANIFEST: a folder without aotihub.json", async () => {
    const empty = join(scratch, "no-manifest");
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, "README.md"), "not an export\n");
    const out = await aotihub(["publish", empty, "acme/refused", "--create"], { HF_TOKEN: WRITER });
    expectRefusal(out, "AOTIHUB_PUBLISH_NO_MANIFEST", "aotihub.json");
  });

  it("AOTIHUB_PUBLISH_FOLDER_INVALID: a package changed after export", async () => {
    const folder = join(scratch, "tampered");
    cpSync(models.models["tiny-mlp"], folder, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(folder, "aotihub.json"), "utf8"));
    const victim = manifest.artifacts[0].path as string;
    truncateSync(join(folder, victim), 1000);
    const out = await aotihub(["publish", folder, "acme/refused", "--create"], { HF_TOKEN: WRITER });
    expectRefusal(out, "AOTIHUB_PUBLISH_FOLDER_INVALID", `${victim}: 1000 bytes, manifest says`);
  });

  it("AOTIHUB_PUBLISH_NO_TOKEN: no HF_TOKEN and no token file", async () => {
    const out = await aotihub(["publish", models.models["tiny-mlp"], "acme/refused", "--create"]);
    expectRefusal(out, "AOTIHUB_PUBLISH_NO_TOKEN", "HF_TOKEN");
  });

  it("none of the refused publishes created the repo", async () => {
    const out = await aotihub(["download", "acme/refused", "aotihub.json"]);
    expectRefusal(out, "AOTIHUB_REPO_NOT_FOUND", "repository not found");
  });
});

describe("other commands refuse with their documented codes", () => {
  it("AOTIHUB_USAGE: resolve with neither a ref nor --manifest", async () => {
    expectRefusal(await aotihub(["resolve"]), "AOTIHUB_USAGE", "aotihub resolve needs a manifest");
  });

  it("AOTIHUB_FILE_UNREADABLE: --manifest and --device @file that cannot be read", async () => {
    const missing = join(scratch, "missing.json");
    expectRefusal(await aotihub(["resolve", "--manifest", missing]), "AOTIHUB_FILE_UNREADABLE", missing);
    expectRefusal(
      await aotihub(["resolve", "acme/tiny-mlp", "--device", `@${missing}`]),
      "AOTIHUB_FILE_UNREADABLE",
      missing,
    );
  });

  it("AOTIHUB_INVALID_REPO_ID: a repo id that is not org/name", async () => {
    expectRefusal(await aotihub(["download", "acme/tiny/mlp"]), "AOTIHUB_INVALID_REPO_ID", "acme/tiny/mlp");
  });

  it("AOTIHUB_PROFILE_UNKNOWN: a profile the manifest does not have", async () => {
    const out = await aotihub(["resolve", "acme/tiny-mlp:bf16", "--device", cpuDevice]);
    expectRefusal(out, "AOTIHUB_PROFILE_UNKNOWN", /no profile "bf16"[\s\S]*expected: one of "fp32"/);
  });

  it("AOTIHUB_HUB_SERVER_START: serve a folder that is not there, or on a port in use", async () => {
    const missing = join(scratch, "no-such-hub");
    expectRefusal(await aotihub(["serve", missing]), "AOTIHUB_HUB_SERVER_START", missing);
    const port = new URL(endpoint).port;
    expectRefusal(await aotihub(["serve", hubRoot, "--port", port]), "AOTIHUB_HUB_SERVER_START", port);
  });

  it("AOTIHUB_HUB_SERVER_CONFIG: serve a folder whose .aotihub-server.json is not valid", async () => {
    const bad = join(scratch, "bad-hub");
    mkdirSync(join(bad, "models"), { recursive: true });
    writeFileSync(join(bad, ".aotihub-server.json"), JSON.stringify({ tokens: { hf_x: { write: "yes" } } }));
    expectRefusal(await aotihub(["serve", bad]), "AOTIHUB_HUB_SERVER_CONFIG", "not a valid access config");
  });
});

describe("the demo's set-up refusals", () => {
  /** A script standing in for a Python; `body` is its shell code. */
  function fakePython(name: string, body: string): string {
    const path = join(scratch, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it("AOTIHUB_PYTHON_NO_TORCH: AOTIHUB_PYTHON names a real Python without torch", async () => {
    // python3 -S: the system Python with no site-packages, so no torch whatever is installed
    const bare = fakePython("python-without-site", 'exec python3 -S "$@"');
    const out = await aotihub(["demo", "--device", "cpu"], { AOTIHUB_PYTHON: bare });
    expectRefusal(out, "AOTIHUB_PYTHON_NO_TORCH", `AOTIHUB_PYTHON=${bare} has no torch.`);
  });

  it("AOTIHUB_DEMO_EXPORT: a Python whose torch is found but fails to run, with its stderr", async () => {
    const broken = fakePython(
      "python-broken-torch",
      'case "$2" in *find_spec*) exit 0;; esac\necho "ImportError: libtorch_cpu.so: cannot open shared object file" >&2\nexit 1',
    );
    const out = await aotihub(["demo", "--device", "cpu"], { AOTIHUB_PYTHON: broken });
    expectRefusal(
      out,
      "AOTIHUB_DEMO_EXPORT",
      /The export helper failed[\s\S]*exit 1: ImportError: libtorch_cpu\.so/,
    );
  });

  it("AOTIHUB_PYTHON_NO_TORCH: AOTIHUB_PYTHON unset and python3 on PATH has no torch", async () => {
    const bin = join(scratch, "bare-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "python3"), '#!/bin/sh\nexec /usr/bin/env -i /usr/bin/python3 -S "$@"\n');
    chmodSync(join(bin, "python3"), 0o755);
    const out = await aotihub(["demo", "--device", "cpu"], {
      AOTIHUB_PYTHON: "",
      PATH: `${bin}:${process.env.PATH}`,
    });
    expectRefusal(out, "AOTIHUB_PYTHON_NO_TORCH", "No Python with torch for the demo's export step.");
    expect(out.stderr).toContain("received: AOTIHUB_PYTHON unset; python3 has no torch (or is missing)");
  });
});
