// Issue 14 goal 6 on the GPU: RSS and device memory over CUDA load/run/dispose cycles of the tiny
// MLP (the gpu suite's lifecycle check, test/gpu/cuda-cycles.ts), for one build; bench/gpu/device.sh
// runs it for "old" and "new". Also the same cycles without a run (no kernel is ever loaded), which
// separates what the kernels' modules leave from what loading alone leaves.
//   node cuda-cycles.mjs <label> <tiny-mlp repo> <so-cache> <out.json> [cycles]
import { writeFileSync } from "node:fs";
import { findTorch, loadPackages } from "@aotihub/native";
import { binding } from "../../packages/native/lib/binding.js";
import { measureCudaCycles } from "../../test/gpu/cuda-cycles.js";
import { readBucketIo } from "../../test/support/bucket-io.js";
import { repoPackages } from "../../test/support/repo-packages.js";

const [label, repo, soCache, outFile, cyclesArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];
const cycles = Number(cyclesArg ?? 400);
const torch = await findTorch({ pythons: ["python3"] });
const { packages, weights } = repoPackages(repo);
const io = await readBucketIo(repo, packages[0]!.bucket.name);
const load = () =>
  loadPackages({
    packages,
    weights,
    device: process.env.BENCH_DEVICE ?? "cuda:0",
    torchDir: torch.dir,
    cacheDir: soCache,
  });
const free = () => (process.env.BENCH_DEVICE === "cpu" ? 0 : binding().deviceMemory(0).free);
const options = { warm: 30, cycles, sampleEvery: 25, window: 4 };
const figures: Record<string, unknown> = { label };
figures["load/run/dispose"] = await measureCudaCycles(
  async () => {
    const m = await load();
    await m.run(io.inputs);
    m.dispose();
  },
  free,
  options,
);
process.stderr.write(`[${label}] load/run/dispose: ${JSON.stringify(figures["load/run/dispose"])}\n`);
writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
figures["load/dispose, no run"] = await measureCudaCycles(
  async () => {
    const m = await load();
    m.dispose();
  },
  free,
  options,
);
process.stderr.write(`[${label}] load/dispose: ${JSON.stringify(figures["load/dispose, no run"])}\n`);
writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
process.exit(0);
