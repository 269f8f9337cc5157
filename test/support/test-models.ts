import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withBuildLock } from "./build-lock.js";
import { contentHash, cpuFingerprint, listFiles } from "./content-hash.js";
import { runPython } from "./python.js";
import { repoRoot } from "./repo-root.js";

/** Spec files under test/models/ and the repo name each one exports. */
export const TEST_MODEL_SPECS = {
  "tiny-mlp": "tiny_mlp.py",
  "small-conv": "small_conv.py",
  "multi-io": "multi_io.py",
  "bf16-mlp": "bf16_mlp.py",
  "per-bucket-constant": "per_bucket_constant.py",
  "tiny-dit": "tiny_dit.py",
  "dynamic-mlp": "dynamic_mlp.py",
  // runtime "standalone" (docs/standalone-runtime.md): packages whose .so needs no libtorch
  "standalone-mlp": "standalone_mlp.py",
  "standalone-conv": "standalone_conv.py",
  "standalone-bf16": "standalone_bf16.py",
  "standalone-multi-io": "standalone_multi_io.py",
  "standalone-dit": "standalone_dit.py",
  // both runtimes' builds of tiny-mlp's b2 in one repo, one shared weight set
  "both-runtimes-mlp": "both_runtimes_mlp.py",
} as const;

export type TestModelName = keyof typeof TEST_MODEL_SPECS;

export interface TestModels {
  /** `.cache/test-models/<hash>`: one Hub-convention repo folder per model. */
  root: string;
  hash: string;
  /** The installed torch that compiled them (e.g. "2.13.0+cpu"). */
  torchVersion: string;
  /**
   * Repo folder of each model: `aotihub.json`, `weights/<profile>/model.safetensors`,
   * `aoti/<target>/<profile>/<bucket>.pt2`, and `io/<bucket>.safetensors` holding the bucket's
   * inputs (`input.<name>`) and the eager outputs (`output.<i>`).
   * tiny-mlp: buckets b2, b4 (one shared weight set); small-conv: b1; multi-io: b3 (inputs a, b,
   * ids:int64; three outputs); bf16-mlp: b2 (bf16); per-bucket-constant: b2, b3 (b3 has a
   * `weightsOverride` for its differing `_tensor_constant0`); tiny-dit: 16, 64 (tokens);
   * dynamic-mlp: one bucket "batch", x: [[1, 16], 8].
   * standalone-*: runtime "standalone" builds (no libtorch needed) of tiny-mlp (b2), small-conv
   * (b1), bf16-mlp (b2), multi-io (b3) and tiny-dit (16, 64), same modules, weights and inputs.
   */
  models: Record<TestModelName, string>;
}

const cacheRoot = join(repoRoot, ".cache", "test-models");
const DONE_MARKER = ".complete";
let pending: Promise<TestModels> | undefined;

/**
 * Builds the test models with the installed torch, once per content hash (export helper
 * sources, model specs, torch version, platform and CPU ISA), in one Python process; later
 * calls and other vitest forks reuse the folder.
 */
export function ensureTestModels(): Promise<TestModels> {
  pending ??= build();
  return pending;
}

async function build(): Promise<TestModels> {
  const torchVersion = await installedTorchVersion();
  const hash = await testModelsHash(torchVersion);
  const root = join(cacheRoot, hash);
  await mkdir(cacheRoot, { recursive: true });
  const isDone = async () => existsSync(join(root, DONE_MARKER));
  await withBuildLock(join(cacheRoot, `${hash}.lock`), isDone, async () => {
    const tmp = join(cacheRoot, `${hash}.tmp-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    const specs = Object.values(TEST_MODEL_SPECS).flatMap((file) => ["--spec", join("test", "models", file)]);
    const started = Date.now();
    await runPython(["-m", "aotihub_export", ...specs, "--out-root", tmp, "--io"], { echo: true });
    await writeFile(
      join(tmp, DONE_MARKER),
      `built in ${Date.now() - started} ms with torch ${torchVersion}\n`,
    );
    await rm(root, { recursive: true, force: true });
    await rename(tmp, root);
  });
  const models = Object.fromEntries(
    Object.keys(TEST_MODEL_SPECS).map((name) => [name, join(root, name)]),
  ) as Record<TestModelName, string>;
  return { root, hash, torchVersion, models };
}

async function installedTorchVersion(): Promise<string> {
  // importlib.metadata reads the dist-info only: a fraction of a second, unlike `import torch`.
  const { stdout } = await runPython(["-c", "import importlib.metadata as m; print(m.version('torch'))"]);
  return stdout.trim();
}

export async function testModelsHash(torchVersion: string): Promise<string> {
  const isSource = (name: string) => name.endsWith(".py") || name === "pyproject.toml";
  const files = [
    ...(await listFiles(join(repoRoot, "python", "aotihub_export"), isSource)),
    ...(await listFiles(join(repoRoot, "test", "models"), isSource)),
  ];
  return contentHash(repoRoot, files, [`torch ${torchVersion}`, await cpuFingerprint()]);
}
