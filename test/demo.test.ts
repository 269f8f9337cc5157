import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadPackages, type Tensor } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { testTorch } from "../packages/native/test/support/python.js";
import { relativeError } from "./support/bucket-io.js";
import { runPython } from "./support/python.js";
import { repoPackages } from "./support/repo-packages.js";
import { repoRoot } from "./support/repo-root.js";

const run = promisify(execFile);
const loaderDir = join(repoRoot, "packages/loader");

/** The demo's content-addressed export cache, shared by test runs (gitignored like .cache/test-models). */
const SHARED_DEMO_REPOS = join(repoRoot, ".cache", "demo-repos");

interface DemoRun {
  stdout: string;
  /** The exported repo the demo served (found through the demo's local Hub folder). */
  repo: string;
}

/**
 * README command 1 ends in `aotihub demo`; this runs a built CLI the way the script does, with its
 * own AOTIHUB_CACHE and TMPDIR so nothing lands in the user's ~/.cache/aotihub. Only the demo's
 * export (keyed by content) is shared between runs, to keep the test fast.
 */
async function demo(cli = join(loaderDir, "dist/cli/main.js"), env = process.env): Promise<DemoRun> {
  const home = await mkdtemp(join(tmpdir(), "aotihub-demo-test-"));
  const cache = join(home, "aotihub");
  const tmp = join(home, "tmp");
  mkdirSync(cache, { recursive: true });
  mkdirSync(tmp);
  mkdirSync(SHARED_DEMO_REPOS, { recursive: true });
  symlinkSync(SHARED_DEMO_REPOS, join(cache, "demo-repos"));
  const { stdout } = await run(process.execPath, [cli, "demo", "--device", "cpu", "--runs", "3"], {
    cwd: repoRoot,
    env: { ...env, AOTIHUB_CACHE: cache, TMPDIR: tmp },
    maxBuffer: 16 << 20,
  });
  const [work] = readdirSync(tmp).filter((n) => n.startsWith("aotihub-demo-"));
  expect(work, `the demo's work folder in ${tmp}`).toBeDefined();
  return { stdout, repo: realpathSync(join(tmp, work!, "hub", "models", "aotihub", "tiny-dit")) };
}

/**
 * @aotihub/loader laid out as an install puts it, outside the checkout: node_modules/@aotihub/loader
 * with what the package ships (package.json, dist/, demo-python/). Its dependencies are the
 * workspace's (linked), so only the demo's own lookups are put to the test.
 */
function installedLoader(): { cli: string; cleanup: () => void } {
  const project = mkdtempSync(join(tmpdir(), "aotihub-installed-"));
  const pkg = join(project, "node_modules", "@aotihub", "loader");
  mkdirSync(pkg, { recursive: true });
  for (const shipped of ["package.json", "dist", "demo-python"]) {
    cpSync(join(loaderDir, shipped), join(pkg, shipped), { recursive: true });
  }
  symlinkSync(join(loaderDir, "node_modules"), join(pkg, "node_modules"));
  return {
    cli: join(pkg, "dist/cli/main.js"),
    cleanup: () => rmSync(project, { recursive: true, force: true }),
  };
}

function checksums(stdout: string): Record<string, string> {
  const rows = [
    ...stdout.matchAll(/^(\d+)\s+[\d.]+ ms\s+[\d.]+ ms\s+([0-9a-f]{16})\s+\((aoti\/\S+\.pt2)\)$/gm),
  ];
  return Object.fromEntries(rows.map((r) => [r[1]!, r[2]!]));
}

/**
 * The demo's documented inputs, generated here again: xorshift32 from seed 1, each value
 * next() * 2 - 1, float32, in the bucket's input order.
 */
function demoInputs(inputs: Record<string, (number | number[])[]>): Record<string, Tensor> {
  let state = 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Object.fromEntries(
    Object.entries(inputs).map(([name, dims]) => {
      const shape = dims.map((d) => (Array.isArray(d) ? d[0]! : d));
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
      return [name, { dtype: "float32", shape, data }];
    }),
  );
}

const sha16 = (outputs: Tensor[]) => {
  const hash = createHash("sha256");
  for (const t of outputs) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return hash.digest("hex").slice(0, 16);
};

describe("aotihub demo (README command 1) on CPU", () => {
  it("exports, serves, loads and runs every resolution, from a checkout and installed; its checksums are of outputs that match eager", {
    timeout: 600_000,
  }, async () => {
    const first = await demo();
    expect(first.stdout).toContain('loadCompiled("tiny-dit") on cpu');
    expect(first.stdout).toContain("trusted because: listed in trustedRepos");
    const sums = checksums(first.stdout);
    expect(Object.keys(sums).sort()).toEqual(["16", "64"]);

    // The printed checksums against outputs computed apart from the demo: the same compiled
    // packages run by the runtime directly on the documented inputs, and those outputs against
    // eager PyTorch (test/support/demo_eager.py).
    const { packages, weights } = repoPackages(first.repo);
    const inputs = Object.fromEntries(packages.map((p) => [p.bucket.name, demoInputs(p.bucket.inputs)]));
    const inputsFile = join(await mkdtemp(join(tmpdir(), "aotihub-demo-inputs-")), "inputs.json");
    writeFileSync(
      inputsFile,
      JSON.stringify(
        Object.fromEntries(
          Object.entries(inputs).map(([bucket, named]) => [
            bucket,
            Object.fromEntries(
              Object.entries(named).map(([n, t]) => [
                n,
                { shape: t.shape, data: Array.from(t.data as Float32Array) },
              ]),
            ),
          ]),
        ),
      ),
    );
    const { stdout } = await runPython([
      join(repoRoot, "test", "support", "demo_eager.py"),
      first.repo,
      inputsFile,
    ]);
    const eager = JSON.parse(stdout) as Record<string, string[]>;
    const model = await loadPackages({
      packages,
      weights,
      device: "cpu",
      torchDir: (await testTorch()).dir,
      cacheDir: join(repoRoot, ".cache", "native-test-so"),
    });
    try {
      for (const p of packages) {
        const outs = (await model.run(inputs[p.bucket.name]!)) as Tensor[];
        expect(sums[p.bucket.name], `bucket ${p.bucket.name}`).toBe(sha16(outs));
        const reference = eager[p.bucket.name]!.map((b64, i) => {
          const data = new Float32Array(Uint8Array.from(Buffer.from(b64, "base64")).buffer);
          return { dtype: "float32", shape: outs[i]!.shape, data } as Tensor;
        });
        expect(reference).toHaveLength(outs.length);
        outs.forEach((o, i) => {
          expect(relativeError(o, reference[i]!)).toBeLessThanOrEqual(1e-4);
        });
      }
    } finally {
      model.dispose();
    }

    // The second run, from the installed layout (no checkout above it), finds its bundled export
    // helper, reuses the exported repo and prints the same checksums.
    const installed = installedLoader();
    try {
      const second = await demo(installed.cli);
      expect(second.stdout).not.toContain("exporting the tiny DiT");
      expect(checksums(second.stdout)).toEqual(sums);
    } finally {
      installed.cleanup();
    }
  });

  it("without a Python with torch, says how to get one (typed error, nothing installed)", async () => {
    const failed = await demo(undefined, { ...process.env, AOTIHUB_PYTHON: "/bin/false" }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toContain("AOTIHUB_PYTHON_NO_TORCH");
    expect(failed?.stderr).toContain("bash scripts/demo.sh");
  });
});
