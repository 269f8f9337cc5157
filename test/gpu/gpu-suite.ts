// The CUDA suite: the CPU runtime checks again on a GPU, the CUDA fixtures, a bf16 DiT with three
// resolution variants on one weight set, and the figures docs/benchmarks.md records. Run by
// test/gpu/run.sh on the GPU machine (bundled, no vitest there) and by gpu.test.ts where a GPU is.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
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
import { repoPackages } from "../support/repo-packages.js";

export interface GpuSuiteOptions {
  /** Folder of CUDA-compiled convention repos (aotihub_export --device cuda --io). */
  modelsRoot: string;
  /** The CUDA fixtures folder (aoti-cuda-sm90-torch2.11). */
  fixtures: string;
  /** Where compiled libraries are extracted. */
  cacheDir: string;
  /** The AVX512 CPU fixtures folder (aoti-cpu-torch2.13), optional. */
  cpuFixtures?: string;
  log?: (line: string) => void;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface GpuSuiteResult {
  device: Awaited<ReturnType<typeof probeDevice>>;
  torch: string;
  checks: Check[];
  figures: Record<string, number | string>;
}

const MiB = 1024 * 1024;

export async function runGpuSuite(options: GpuSuiteOptions): Promise<GpuSuiteResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const checks: Check[] = [];
  const figures: Record<string, number | string> = {};
  const check = (name: string, ok: boolean, detail = "") => {
    checks.push({ name, ok, detail });
    log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  };
  const attempt = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      check(name, false, error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  };
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
  await attempt("fixtures", async () => {
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

  // 2. Every compiled test model: outputs against eager, shared weights.
  const repos = existsSync(options.modelsRoot) ? readdirSync(options.modelsRoot).sort() : [];
  for (const name of repos) {
    const repo = join(options.modelsRoot, name);
    if (!existsSync(join(repo, "aotihub.json"))) continue;
    await attempt(`model ${name}`, async () => {
      const { packages, weights } = repoPackages(repo);
      const model = await load(packages, weights);
      for (const p of packages) {
        const io = await readBucketIo(repo, p.bucket.name);
        const outs = hostOutputs(await model.run(io.inputs));
        const errors = outs.map((o, i) => relativeError(o, io.outputs[i]!));
        const exact = outs.every((o, i) => sameBytes(o, io.outputs[i]!));
        const tolerance = outs.some((o) => o.dtype === "bfloat16" || o.dtype === "float16") ? 1e-2 : 1e-3;
        check(
          `${name}/${p.bucket.name} vs eager`,
          errors.every((e) => e <= tolerance),
          `${exact ? "bit-identical" : `rel. error ${errors.map((e) => e.toExponential(2)).join(", ")}`}`,
        );
        if (name === "tiny-dit") figures[`ditRelError_${p.bucket.name}`] = Math.max(...errors);
      }
      if (packages.length > 1 && !packages.some((p) => p.weights)) {
        const pointers = await Promise.all(packages.map((p) => model.boundWeightPointers(p.bucket.name)));
        check(
          `${name}: one weight set bound into ${packages.length} variants`,
          pointers.every((p) => same(p, pointers[0]!)),
        );
      }
      model.dispose();
    });
  }

  // 3. The DiT: memory with 1 and 3 variants, upload speed, first and steady calls, device outputs.
  const dit = join(options.modelsRoot, "tiny-dit");
  if (existsSync(join(dit, "aotihub.json"))) {
    await attempt("dit benchmark", async () => {
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
      // Timers keep firing while the GPU works.
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const started = performance.now();
      while (performance.now() - started < 500) await model.run(io.inputs);
      delay.disable();
      check(
        "event loop free during runs",
        delay.max / 1e6 < 100,
        `max loop delay ${(delay.max / 1e6).toFixed(1)} ms`,
      );
      model.dispose();
    });
  }

  // 5. The AVX512 CPU fixtures (torch 2.13) on this host's CPU with its torch: they load and
  // match where the CPU has their ISA and the torch accepts them, else a typed refusal.
  if (options.cpuFixtures && existsSync(options.cpuFixtures)) {
    const f = options.cpuFixtures;
    try {
      const model = await loadPackages({
        packages: [2, 4].map((n) => ({
          path: join(f, `tiny_b${n}.pt2`),
          bucket: { name: `b${n}`, inputs: { x: [n, 8] } },
        })),
        weights: [join(f, "tiny.safetensors")],
        device: "cpu",
        cacheDir: options.cacheDir,
      });
      for (const n of [2, 4]) {
        const io = await readTensors(join(f, `io_b${n}.safetensors`));
        const [y] = hostOutputs(await model.run({ x: io.x! }));
        check(
          `cpu fixture tiny_b${n} on this CPU`,
          // Bit-identical with the torch that compiled them (2.13); another torch's kernels may round differently.
          relativeError(y!, io.y!) <= 1e-5,
          sameBytes(y!, io.y!) ? "bit-identical" : `rel. error ${relativeError(y!, io.y!)}`,
        );
      }
      model.dispose();
    } catch (error) {
      const code = (error as { code?: string }).code;
      check(
        "cpu fixtures refused with a typed error",
        code?.startsWith("AOTIHUB_") === true,
        `${code}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
  }

  // 4. Load/dispose cycles: no growth in RSS or device memory.
  const mlp = join(options.modelsRoot, "tiny-mlp");
  if (existsSync(join(mlp, "aotihub.json"))) {
    await attempt("cycles", async () => {
      const { packages, weights } = repoPackages(mlp);
      const io = await readBucketIo(mlp, packages[0]!.bucket.name);
      const cycle = async () => {
        const m = await load(packages, weights);
        await m.run(io.inputs);
        m.dispose();
      };
      for (let i = 0; i < 50; i++) await cycle();
      const rss = process.memoryUsage().rss;
      const dev = binding().deviceMemory(0).free;
      const n = 500;
      const t = performance.now();
      for (let i = 0; i < n; i++) await cycle();
      figures.cycleMs = (performance.now() - t) / n;
      const rssGrowth = (process.memoryUsage().rss - rss) / MiB;
      const devGrowth = (dev - binding().deviceMemory(0).free) / MiB;
      figures.cyclesRssGrowthMiB = rssGrowth;
      figures.cyclesDeviceGrowthMiB = devGrowth;
      check(
        `${n} CUDA load/run/dispose cycles`,
        rssGrowth < 30 && devGrowth < 8,
        `RSS +${rssGrowth.toFixed(1)} MiB, device +${devGrowth.toFixed(1)} MiB`,
      );
    });
  }
  return { device, torch: torch.fullVersion, checks, figures };
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
