// Loads each repo's packages with one runtime in this fresh process, runs every bucket on its io
// inputs, and prints one JSON line: the outputs (base64) and the libraries mapped into the process
// (from /proc/self/maps), so the parent can prove no libtorch was ever loaded.
import { readFileSync } from "node:fs";
import { readBucketIo } from "../../../../../test/support/bucket-io.js";
import { repoPackages } from "../../../../../test/support/repo-packages.js";
import { loadPackages, type RuntimeKind, type Tensor } from "../../../lib/index.js";

const [runtime, torchDir, cacheDir, reposJson] = process.argv.slice(2) as [
  RuntimeKind,
  string,
  string,
  string,
];
const repos = JSON.parse(reposJson) as string[];

const results: Record<string, Record<string, { dtype: string; shape: number[]; base64: string }[]>> = {};
for (const repo of repos) {
  const model = await loadPackages({
    ...repoPackages(repo),
    device: "cpu",
    runtime,
    cacheDir,
    ...(runtime === "libtorch" ? { torchDir } : {}),
  });
  results[repo] = {};
  for (const variant of model.variants) {
    const io = await readBucketIo(repo, variant.name);
    const outputs = (await model.run(io.inputs)) as Tensor[];
    results[repo][variant.name] = outputs.map((t) => ({
      dtype: t.dtype,
      shape: t.shape,
      base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64"),
    }));
  }
  model.dispose();
}
const mapped = [
  ...new Set(
    readFileSync("/proc/self/maps", "utf8")
      .split("\n")
      .map((line) => line.split(/\s+/)[5] ?? "")
      .filter((path) => path.includes(".so")),
  ),
];
process.stdout.write(`${JSON.stringify({ results, mapped })}\n`);
