// Issue 14 goal 6 on the GPU: RSS and device memory over CUDA load/dispose cycles of the tiny MLP
// (the gpu suite's lifecycle check, test/gpu/cuda-cycles.ts), for one build; bench/gpu/device.sh
// runs it for "old" and "new". With a run per cycle (the kernels' CUDA modules load) or without
// (none does), which separates what the kernels leave from what loading alone leaves. "check" is
// the gpu suite's own check (the same cycles, bounds and verdict), to watch it on an older build.
//   node cuda-cycles.mjs <label> <tiny-mlp repo> <so-cache> <out.json> <run|norun|check> [cycles] [sample every]
import { writeFileSync } from "node:fs";
import { findTorch, loadPackages } from "@aotihub/native";
import { binding } from "../../packages/native/lib/binding.js";
import { CUDA_CYCLES, cyclesVerdict, measureCudaCycles } from "../../test/gpu/cuda-cycles.js";
import { readBucketIo } from "../../test/support/bucket-io.js";
import { repoPackages } from "../../test/support/repo-packages.js";

const [label, repo, soCache, outFile, kind, cyclesArg, everyArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  "run" | "norun" | "check",
  string | undefined,
  string | undefined,
];
const cycles = Number(cyclesArg ?? 100);
const sampleEvery = Number(everyArg ?? 10);
const torch = await findTorch({ pythons: [process.env.AOTIHUB_PYTHON ?? "python3"] });
const { packages, weights } = repoPackages(repo);
const io = await readBucketIo(repo, packages[0]!.bucket.name);
const device = process.env.BENCH_DEVICE ?? "cuda:0";
const load = () => loadPackages({ packages, weights, device, torchDir: torch.dir, cacheDir: soCache });
const free = () => (device === "cpu" ? 0 : binding().deviceMemory(0).free);
const figures = await measureCudaCycles(
  async () => {
    const m = await load();
    if (kind !== "norun") await m.run(io.inputs);
    m.dispose();
  },
  free,
  kind === "check"
    ? { ...CUDA_CYCLES, mapsUnder: [soCache, repo] }
    : { warm: 10, cycles, sampleEvery, window: 3, mapsUnder: [soCache, repo] },
);
const verdict = kind === "check" ? cyclesVerdict(figures) : undefined;
process.stderr.write(
  `[${label}] ${kind}: ${verdict ? `${verdict.ok ? "PASS" : "FAIL"} ${verdict.detail}` : JSON.stringify(figures)}\n`,
);
writeFileSync(outFile, `${JSON.stringify({ label, kind, verdict, ...figures }, null, 2)}\n`);
process.exit(0);
