import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Tensor } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { parseElfDynamic } from "../../lib/formats/elf/index.js";
import { typedArrayFor } from "../../lib/tensor/dtypes.js";
import { extractedSo } from "../support/extracted-so.js";
import { testTorch } from "../support/python.js";
import { readBucketIo, relativeError, sameBytes, soCacheDir } from "../support/test-repo.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Issue 13: models exported with runtime="standalone" run on the addon's own C shim in a process
// that never loads libtorch (read back from /proc/self/maps), match eager PyTorch, and give the
// same bits as the same packages run on libtorch where they call no Sleef function (the shim's
// stand-ins compute those with libm, not Sleef).
const CASES = [
  { model: "standalone-mlp", tolerance: 0 },
  { model: "standalone-conv", tolerance: 1e-5 },
  { model: "standalone-bf16", tolerance: 1e-2 },
  { model: "standalone-multi-io", tolerance: 1e-5 },
  { model: "standalone-dit", tolerance: 1e-4 },
] as const;

interface ChildOutput {
  results: Record<string, Record<string, { dtype: string; shape: number[]; base64: string }[]>>;
  mapped: string[];
}

let models: TestModels;
let standalone: ChildOutput;
let libtorch: ChildOutput;

function runChild(runtime: "standalone" | "libtorch", torchDir: string): ChildOutput {
  const repos = CASES.map((c) => models.models[c.model]);
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      here("./support/run-models-child.ts"),
      runtime,
      torchDir,
      soCacheDir,
      JSON.stringify(repos),
    ],
    { encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as ChildOutput;
}

function tensorOf(o: { dtype: string; shape: number[]; base64: string }): Tensor {
  const bytes = Buffer.from(o.base64, "base64");
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const numel = o.shape.reduce((a, b) => a * b, 1);
  return {
    dtype: o.dtype as Tensor["dtype"],
    shape: o.shape,
    data: typedArrayFor(o.dtype as Tensor["dtype"], copy, 0, numel),
  };
}

beforeAll(async () => {
  models = await ensureTestModels();
  const torchDir = (await testTorch()).dir;
  standalone = runChild("standalone", torchDir);
  libtorch = runChild("libtorch", torchDir);
}, 900_000);

describe("standalone runtime: compiled models without libtorch", () => {
  it("the standalone process never maps libtorch; the libtorch one does (the probe sees it)", () => {
    const torchLibs = (mapped: string[]) => mapped.filter((p) => /\/lib(torch|c10)[^/]*\.so/.test(p));
    expect(torchLibs(standalone.mapped)).toEqual([]);
    expect(torchLibs(libtorch.mapped).length).toBeGreaterThan(0);
    // every standalone model's .so was mapped in that process
    expect(standalone.mapped.filter((p) => p.endsWith(".wrapper.so")).length).toBeGreaterThanOrEqual(
      CASES.length,
    );
  });

  for (const c of CASES) {
    it(`${c.model}: eager's answer on every bucket, and libtorch's bits where no Sleef function is called`, async () => {
      const repo = models.models[c.model];
      const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
        artifacts: { path: string; runtime?: string; bucket: { name: string } }[];
      };
      expect(manifest.artifacts.every((a) => a.runtime === "standalone")).toBe(true);
      const buckets = Object.keys(standalone.results[repo]!);
      expect(buckets).toEqual(manifest.artifacts.map((a) => a.bucket.name));
      for (const artifact of manifest.artifacts) {
        const bucket = artifact.bucket.name;
        const io = await readBucketIo(repo, bucket);
        const mine = standalone.results[repo]![bucket]!.map(tensorOf);
        const theirs = libtorch.results[repo]![bucket]!.map(tensorOf);
        expect(mine).toHaveLength(io.outputs.length);
        const usesSleef = parseElfDynamic(
          readFileSync(await extractedSo(join(repo, artifact.path))),
        ).undefined.some((s) => s.startsWith("Sleef_"));
        mine.forEach((out, i) => {
          const eager = io.outputs[i]!;
          expect(out.dtype).toBe(eager.dtype);
          expect(out.shape).toEqual(eager.shape);
          if (c.tolerance === 0) expect(sameBytes(out, eager)).toBe(true);
          else expect(relativeError(out, eager)).toBeLessThanOrEqual(c.tolerance);
          if (usesSleef)
            expect(relativeError(out, theirs[i]!)).toBeLessThanOrEqual(
              c.tolerance === 0 ? 1e-6 : c.tolerance,
            );
          else expect(sameBytes(out, theirs[i]!)).toBe(true);
        });
      }
    });
  }
});
