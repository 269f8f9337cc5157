// The CUDA suite: the CPU runtime checks again on a GPU, the CUDA fixtures, a bf16 DiT with three
// resolution variants on one weight set, and the figures docs/benchmarks.md records. Run by
// test/gpu/run.sh on the GPU machine (bundled, no vitest there) and by gpu.test.ts where a GPU is.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type DeviceTensor,
  findTorch,
  isDeviceTensor,
  loadPackages,
  type PackageSpec,
  probeDevice,
  type Tensor,
} from "@aotihub/native";
import type { Bucket } from "@aotihub/registry";
import { binding } from "../../packages/native/lib/binding.js";
import { readBucketIo, readTensors, relativeError, sameBytes } from "../support/bucket-io.js";
import { cpuRunsIsa } from "../support/cpu-flags.js";
import { eagerOutputsOf } from "../support/eager-reference.js";
import { loopTurnsDuringRuns } from "../support/loop-turns.js";
import { repoPackages } from "../support/repo-packages.js";
import { CheckPlan, type CheckRecord, type PlanSummary } from "./check-plan.js";
import { CUDA_CYCLES, cyclesVerdict, measureCudaCycles } from "./cuda-cycles.js";
import { checkLoopSpin } from "./loop-spin.js";

export interface GpuSuiteOptions {
  /** Folder of CUDA-compiled convention repos (aotihub_export --device cuda --io). */
  modelsRoot: string;
  /** The CUDA fixtures folder (aoti-cuda-sm90-torch2.11). */
  fixtures: string;
  /** Where compiled libraries are extracted. */
  cacheDir: string;
  /** The AVX512 CPU fixtures folder (aoti-cpu-torch2.13), optional. */
  cpuFixtures?: string;
  /**
   * Eager outputs computed by test/support/eager_reference.py (`<root>/<model>/<bucket>.safetensors`),
   * the reference the compiled models are judged against; without it, the export helper's io files.
   */
  referencesRoot?: string;
  /** The models run.sh compiles: each must be there, a missing one is a failed check. */
  expectedModels?: readonly string[];
  log?: (line: string) => void;
}

export interface GpuSuiteResult {
  device: Awaited<ReturnType<typeof probeDevice>>;
  torch: string;
  checks: CheckRecord[];
  summary: PlanSummary;
  figures: Record<string, number | string>;
}

/** What test/gpu/run.sh compiles for CUDA (test/models/*.py; dynamic-mlp is not among them). */
export const GPU_TEST_MODELS = [
  "tiny-mlp",
  "small-conv",
  "multi-io",
  "bf16-mlp",
  "per-bucket-constant",
  "tiny-dit",
];
/** Models with several buckets on one weight set (no per-bucket override). */
const SHARED_WEIGHT_MODELS = new Set(["tiny-mlp", "tiny-dit"]);
const CPU_FIXTURE_ISA = "AVX512 AVX512_VNNI";

const MiB = 1024 * 1024;

export async function runGpuSuite(options: GpuSuiteOptions): Promise<GpuSuiteResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const plan = new CheckPlan([], log);
  const check = plan.check.bind(plan);
  const figures: Record<string, number | string> = {};
  const expectedModels = options.expectedModels ?? GPU_TEST_MODELS;
  const reference = (repo: string, bucket: string) => eagerOutputsOf(repo, bucket, options.referencesRoot);
  const device = await probeDevice();
  const torch = await findTorch();
  figures.gpu = device.cuda?.name ?? "none";
  figures.computeCapability = device.cuda?.computeCapability ?? "none";
  figures.driverCuda = device.cuda?.driverVersion ?? "none";
  figures.torch = torch.fullVersion;
  log(`device ${JSON.stringify(device)}; torch ${torch.fullVersion} at ${torch.dir}`);
  const load = (packages: PackageSpec[], weights: string[], lazy = false) =>
    loadPackages({ packages, weights, device: "cuda:0", cacheDir: options.cacheDir, lazy });

  // 1. The CUDA fixtures (H100, torch 2.11): libtorch loads here, first CUDA use included.
  const FIXTURE_CHECKS = [
    "fixture tiny_blob_2 bit-identical to eager",
    "fixture tiny_blob_4 bit-identical to eager",
    "fixture variants share device weights",
    "fixture tiny_default_2 (weights in .so, rebound) bit-identical",
  ];
  plan.plan(...FIXTURE_CHECKS);
  await plan.section(FIXTURE_CHECKS, async () => {
    const f = options.fixtures;
    const bucket = (n: number): Bucket => ({ name: `b${n}`, inputs: { x: [n, 8] } });
    const started = performance.now();
    const model = await load(
      [2, 4].map((n) => ({ path: join(f, `tiny_blob_${n}.pt2`), bucket: bucket(n) })),
      [join(f, "tiny.safetensors")],
    );
    figures.firstLoadMs = performance.now() - started;
    figures.libtorchLoadMs = model.stats.torchLoadMs;
    for (const n of [2, 4]) {
      const io = await readTensors(join(f, `tiny_${n}.io.safetensors`));
      const [y] = hostOutputs(await model.run({ x: io.x! }));
      check(`fixture tiny_blob_${n} bit-identical to eager`, sameBytes(y!, io.y!));
    }
    const b2 = await model.boundWeightPointers("b2");
    const b4 = await model.boundWeightPointers("b4");
    check(
      "fixture variants share device weights",
      Object.keys(b2).length > 0 && same(b2, b4),
      Object.keys(b2).join(", "),
    );
    model.dispose();
    const inSo = await load(
      [{ path: join(f, "tiny_default_2.pt2"), bucket: bucket(2) }],
      [join(f, "tiny.safetensors")],
    );
    const io = await readTensors(join(f, "tiny_2.io.safetensors"));
    const [y] = hostOutputs(await inSo.run({ x: io.x! }));
    check("fixture tiny_default_2 (weights in .so, rebound) bit-identical", sameBytes(y!, io.y!));
    inSo.dispose();
  });

  // 2. Every compiled test model: outputs against eager, shared weights. A model run.sh should
  // have compiled but did not (a failed compile) is a failed check, not a quiet absence.
  for (const name of expectedModels) {
    const repo = join(options.modelsRoot, name);
    const names = [
      `${name} vs eager`,
      ...(SHARED_WEIGHT_MODELS.has(name) ? [`${name}: one weight set bound into every variant`] : []),
    ];
    plan.plan(...names);
    if (!existsSync(join(repo, "aotihub.json"))) {
      plan.failAll(names, `no compiled repo at ${repo} (did its compile fail? see compile-*.log)`);
      continue;
    }
    await plan.section(names, async () => {
      const { packages, weights } = repoPackages(repo);
      const model = await load(packages, weights);
      for (const p of packages) {
        const io = await readBucketIo(repo, p.bucket.name);
        const eager = await reference(repo, p.bucket.name);
        const outs = hostOutputs(await model.run(io.inputs));
        const errors = eager.map((e, i) => (outs[i] ? relativeError(outs[i]!, e) : Number.POSITIVE_INFINITY));
        const exact = outs.length === eager.length && outs.every((o, i) => sameBytes(o, eager[i]!));
        const tolerance = outs.some((o) => o.dtype === "bfloat16" || o.dtype === "float16") ? 1e-2 : 1e-3;
        check(
          `${name} vs eager`,
          outs.length === eager.length && errors.every((e) => e <= tolerance),
          `bucket ${p.bucket.name}: ${outs.length}/${eager.length} outputs, ${exact ? "bit-identical" : `rel. error ${errors.map((e) => e.toExponential(2)).join(", ")}`}`,
        );
        if (name === "tiny-dit") figures[`ditRelError_${p.bucket.name}`] = Math.max(...errors);
      }
      if (SHARED_WEIGHT_MODELS.has(name)) {
        const pointers = await Promise.all(packages.map((p) => model.boundWeightPointers(p.bucket.name)));
        check(
          `${name}: one weight set bound into every variant`,
          packages.length > 1 &&
            !packages.some((p) => p.weights) &&
            pointers.every((p) => same(p, pointers[0]!)),
          `${packages.length} variants`,
        );
      }
      model.dispose();
    });
  }

  // 3. The DiT: memory with 1 and 3 variants, upload speed, first and steady calls, device outputs.
  const dit = join(options.modelsRoot, "tiny-dit");
  const DIT_CHECKS = [
    "dit: three variants bound to one weight upload",
    "device-resident output reused as input",
    "event loop turns while GPU runs are in flight",
    "event loop polls during short GPU runs, sleeps after them",
  ];
  plan.plan(...DIT_CHECKS);
  if (!existsSync(join(dit, "aotihub.json"))) plan.failAll(DIT_CHECKS, `no compiled repo at ${dit}`);
  else {
    await plan.section(DIT_CHECKS, async () => {
      const { packages, weights } = repoPackages(dit);
      const used = () => {
        const m = binding().deviceMemory(0);
        return m.total - m.free;
      };
      const base = used();
      const model = await load(packages, weights, true);
      figures.ditWeightBytes = model.stats.weightBytes;
      figures.ditUploadMs = model.stats.weightLoadMs;
      figures.ditUploadGBps = model.stats.weightBytes / (model.stats.weightLoadMs / 1000) / 1e9;
      figures.pinnedCopyGBps = await binding().pinnedCopyGbps(model.stats.weightBytes, 0);
      figures.ditMemory1VariantMiB = (used() - base) / MiB;
      for (const p of packages.slice(1)) await model.boundWeightPointers(p.bucket.name);
      figures.ditMemory3VariantsMiB = (used() - base) / MiB;
      figures.ditVariantOpenMs = model.variants.map((v) => (v.openMs ?? 0).toFixed(1)).join(" / ");
      const pointers = await Promise.all(packages.map((p) => model.boundWeightPointers(p.bucket.name)));
      check(
        "dit: three variants bound to one weight upload",
        pointers.every((p) => same(p, pointers[0]!)),
      );
      for (const p of packages) {
        const io = await readBucketIo(dit, p.bucket.name);
        let t = performance.now();
        await model.run(io.inputs);
        figures[`ditFirstCallMs_${p.bucket.name}`] = performance.now() - t;
        for (let i = 0; i < 20; i++) await model.run(io.inputs);
        const n = 200;
        t = performance.now();
        for (let i = 0; i < n; i++) await model.run(io.inputs);
        figures[`ditSteadyCallMs_${p.bucket.name}`] = (performance.now() - t) / n;
        t = performance.now();
        for (let i = 0; i < n; i++) {
          const outs = await model.run(io.inputs, { keepOnDevice: true });
          for (const o of outs) if (isDeviceTensor(o)) o.dispose();
        }
        figures[`ditSteadyCallKeepOnDeviceMs_${p.bucket.name}`] = (performance.now() - t) / n;
      }
      // Device-resident outputs feed the next call without a copy and give the same answer.
      const last = packages.at(-1)!.bucket.name;
      const io = await readBucketIo(dit, last);
      try {
        const latentName = Object.keys(io.inputs).find((k) => io.inputs[k]!.shape.length === 4)!;
        const [onDevice] = await model.run(io.inputs, { keepOnDevice: true });
        const [onHost] = hostOutputs(await model.run(io.inputs));
        const fits =
          onHost!.shape.join() === io.inputs[latentName]!.shape.join() &&
          onHost!.dtype === io.inputs[latentName]!.dtype;
        const feed = fits ? latentName : null;
        if (feed === null) {
          check(
            "device-resident output reused as input",
            false,
            `output ${onHost!.dtype}[${onHost!.shape}] cannot feed ${latentName}`,
          );
        } else {
          const viaDevice = hostOutputs(await model.run({ ...io.inputs, [feed]: onDevice! }));
          const viaHost = hostOutputs(await model.run({ ...io.inputs, [feed]: onHost! }));
          check("device-resident output reused as input", sameBytes(viaDevice[0]!, viaHost[0]!));
        }
        (onDevice as DeviceTensor).dispose();
      } catch (error) {
        check("device-resident output reused as input", false, String(error));
      }
      // The loop keeps turning while the GPU works: count setImmediate turns during pending runs
      // (a blocking run leaves none; no clock, so a busy host cannot fake a failure).
      const { turns, runs } = await loopTurnsDuringRuns(() => model.run(io.inputs));
      check(
        "event loop turns while GPU runs are in flight",
        turns >= 20,
        `${turns} loop turns during ${runs} runs`,
      );
      await checkLoopSpin(() => model.run(io.inputs), plan);
      model.dispose();
    });
  }

  // 5. The AVX512 CPU fixtures (torch 2.13) on this host's CPU: run and match where /proc/cpuinfo
  // (read here, not by the runtime) says the CPU has their ISA, else refused with
  // AOTIHUB_CPU_ISA_UNSUPPORTED; any other outcome fails. A host torch of another minor release
  // cannot be expected to run them: that is a printed skip, never a pass.
  if (options.cpuFixtures) {
    const f = options.cpuFixtures;
    const names = [2, 4].map((n) => `cpu fixture tiny_b${n} on this CPU`);
    const torchMinor = torch.fullVersion.split(".").slice(0, 2).join(".");
    if (torchMinor !== "2.13") {
      for (const name of names)
        plan.skip(name, `the fixtures need torch 2.13, this host has ${torch.fullVersion}`);
    } else {
      plan.plan(...names);
      const runsHere = cpuRunsIsa(CPU_FIXTURE_ISA);
      await plan.section(names, async () => {
        const outcome = await loadPackages({
          packages: [2, 4].map((n) => ({
            path: join(f, `tiny_b${n}.pt2`),
            bucket: { name: `b${n}`, inputs: { x: [n, 8] } },
          })),
          weights: [join(f, "tiny.safetensors")],
          device: "cpu",
          cacheDir: options.cacheDir,
        }).catch((error: unknown) => error as Error & { code?: string });
        if (outcome instanceof Error) {
          for (const name of names)
            check(
              name,
              !runsHere && outcome.code === "AOTIHUB_CPU_ISA_UNSUPPORTED",
              `${runsHere ? "expected to run" : `expected AOTIHUB_CPU_ISA_UNSUPPORTED (CPU lacks ${CPU_FIXTURE_ISA})`}, got ${outcome.code}: ${outcome.message.split("\n")[0]}`,
            );
          return;
        }
        for (const n of [2, 4]) {
          const io = await readTensors(join(f, `io_b${n}.safetensors`));
          const [y] = hostOutputs(await outcome.run({ x: io.x! }));
          const error = relativeError(y!, io.y!);
          check(
            `cpu fixture tiny_b${n} on this CPU`,
            // The io y came from another CPU, whose kernels round differently.
            runsHere && error <= 1e-5,
            `${runsHere ? "" : `ran although /proc/cpuinfo lacks ${CPU_FIXTURE_ISA}; `}rel. error ${error.toExponential(2)}`,
          );
        }
        outcome.dispose();
      });
    }
  }

  // 4. Load/dispose cycles: no growth in RSS or device memory.
  const mlp = join(options.modelsRoot, "tiny-mlp");
  const CYCLES = "CUDA load/run/dispose cycles leave RSS and device memory flat";
  plan.plan(CYCLES);
  if (!existsSync(join(mlp, "aotihub.json"))) plan.failAll([CYCLES], `no compiled repo at ${mlp}`);
  else {
    await plan.section([CYCLES], async () => {
      const { packages, weights } = repoPackages(mlp);
      const io = await readBucketIo(mlp, packages[0]!.bucket.name);
      const cycle = async () => {
        const m = await load(packages, weights);
        await m.run(io.inputs);
        m.dispose();
      };
      // RSS floors as the CPU lifecycle test compares them; the bounds and why: test/gpu/cuda-cycles.ts.
      const c = await measureCudaCycles(cycle, () => binding().deviceMemory(0).free, {
        ...CUDA_CYCLES,
        mapsUnder: [options.cacheDir, mlp],
      });
      figures.cycleMs = c.cycleMs;
      figures.cyclesRssFloorGrowthMiB = c.lastFloorMiB - c.firstFloorMiB;
      figures.cyclesDeviceGrowthMiB = c.deviceGrowthMiB;
      const verdict = cyclesVerdict(c);
      check(CYCLES, verdict.ok, verdict.detail);
    });
  }
  const summary = plan.summary();
  log(summary.line);
  return { device, torch: torch.fullVersion, checks: plan.records, summary, figures };
}

function hostOutputs(outs: (Tensor | DeviceTensor)[]): Tensor[] {
  return outs.map((o) => {
    if (isDeviceTensor(o)) throw new Error("expected a host tensor");
    return o;
  });
}

function same(a: Record<string, bigint>, b: Record<string, bigint>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
}
