import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import type { Tensor } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBucketIo, sameBytes } from "./support/bucket-io.js";
import { repoRoot } from "./support/repo-root.js";
import { ensureTestModels } from "./support/test-models.js";

// Installed the way a user installs it, on a machine with no compiler: every workspace package is
// packed with `pnpm pack` (the addon's `prepack` puts a prebuild for this platform into the
// tarball, as sharp and onnxruntime-node ship theirs), the tarballs are installed with npm into an
// empty project whose PATH answers every compiler with a failure, and a loadCompiled example runs
// there against the local Hub. The adversary here is the bare machine: no g++, no checkout.

const run = promisify(execFile);
const COMPILERS = ["g++", "gcc", "cc", "c++", "clang", "clang++", "make"];

let work: string;
let server: HubServer;
let tarballs: Record<string, string>;
let noCompilerPath: string;
let compilerLog: string;

async function packWorkspacePackages(destination: string): Promise<Record<string, string>> {
  const packed: Record<string, string> = {};
  for (const dir of await readdir(join(repoRoot, "packages"))) {
    const manifest = JSON.parse(await readFile(join(repoRoot, "packages", dir, "package.json"), "utf8"));
    if (manifest.private === true) continue;
    const before = new Set(await readdir(destination));
    await run("pnpm", ["pack", "--pack-destination", destination], {
      cwd: join(repoRoot, "packages", dir),
      maxBuffer: 64 << 20,
    });
    const added = (await readdir(destination)).filter((f) => !before.has(f) && f.endsWith(".tgz"));
    expect(added).toHaveLength(1);
    packed[manifest.name] = join(destination, added[0]!);
  }
  return packed;
}

/** A folder of stand-ins that fail loudly and log, put first on PATH: no compiler can run. */
async function compilerlessPath(dir: string, log: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of COMPILERS) {
    const shim = join(dir, name);
    await writeFile(shim, `#!/bin/sh\necho "${name} $*" >> "${log}"\nexit 127\n`);
    await chmod(shim, 0o755);
  }
  return `${dir}:${process.env.PATH}`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aotihub-pack-"));
  await mkdir(join(work, "tarballs"));
  tarballs = await packWorkspacePackages(join(work, "tarballs"));
  compilerLog = join(work, "compiler-calls.log");
  noCompilerPath = await compilerlessPath(join(work, "no-compiler"), compilerLog);

  const models = await ensureTestModels();
  const hubRoot = join(work, "hub");
  await cp(models.models["tiny-mlp"], join(hubRoot, "models", "acme", "tiny-mlp"), { recursive: true });
  server = await startHubServer({ root: hubRoot });
}, 600_000);

afterAll(async () => {
  await server?.close().catch(() => {});
});

describe("the packed packages, installed with no compiler", () => {
  it("carry a prebuilt addon for this platform, so npm install builds nothing", async () => {
    const app = join(work, "app");
    await mkdir(app);
    const files = Object.fromEntries(Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`]));
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module", dependencies: files, overrides: files }),
    );
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: app,
      env: { ...process.env, PATH: noCompilerPath, npm_config_build_from_source: "" },
      maxBuffer: 64 << 20,
    });
    expect(existsSync(compilerLog) ? await readFile(compilerLog, "utf8") : "").toBe("");
    const native = join(app, "node_modules", "@aotihub", "native");
    expect(await readdir(join(native, "prebuilds"))).toContain(`${process.platform}-${process.arch}`);
    expect(existsSync(join(native, "build"))).toBe(false);
  });

  it("run loadCompiled there: the installed loader and addon give eager's outputs", async () => {
    const app = join(work, "app");
    const io = await readBucketIo((await ensureTestModels()).models["tiny-mlp"], "b2");
    const inputs = Object.fromEntries(
      Object.entries(io.inputs).map(([name, t]) => [
        name,
        {
          dtype: t.dtype,
          shape: t.shape,
          base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64"),
        },
      ]),
    );
    await writeFile(join(app, "inputs.json"), JSON.stringify(inputs));
    await writeFile(
      join(app, "aotihub.config.json"),
      JSON.stringify({ trustedRepos: ["acme/tiny-mlp"], index: null }),
    );
    await writeFile(
      join(app, "example.mjs"),
      `import { readFileSync } from "node:fs";
import { loadCompiled } from "@aotihub/loader";
const raw = JSON.parse(readFileSync("inputs.json", "utf8"));
const inputs = {};
for (const [name, t] of Object.entries(raw)) {
  const bytes = Buffer.from(t.base64, "base64");
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  inputs[name] = { dtype: t.dtype, shape: t.shape, data };
}
const model = await loadCompiled("acme/tiny-mlp", { device: "cpu" });
const outputs = await model.run(inputs);
process.stdout.write(JSON.stringify(outputs.map((o) => ({ dtype: o.dtype, shape: o.shape, base64: Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength).toString("base64") }))));
model.dispose();
`,
    );
    const home = join(work, "home");
    const { stdout } = await run(process.execPath, ["example.mjs"], {
      cwd: app,
      env: {
        ...process.env,
        PATH: noCompilerPath,
        HF_ENDPOINT: server.url,
        HF_HOME: home,
        HF_HUB_CACHE: join(home, "hub"),
        AOTIHUB_CACHE: join(home, "aotihub"),
      },
      maxBuffer: 64 << 20,
    });
    const outputs = (JSON.parse(stdout) as { dtype: string; shape: number[]; base64: string }[]).map(
      (o): Tensor => {
        const bytes = Buffer.from(o.base64, "base64");
        return {
          dtype: o.dtype as Tensor["dtype"],
          shape: o.shape,
          data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
        };
      },
    );
    expect(outputs).toHaveLength(io.outputs.length);
    for (const [i, out] of outputs.entries()) expect(sameBytes(out, io.outputs[i]!)).toBe(true);
    expect(existsSync(compilerLog) ? await readFile(compilerLog, "utf8") : "").toBe("");
  });
});
