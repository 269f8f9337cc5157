// Issue 6 on a machine with two or more GPUs (bundled by run.sh): one process holds the same model
// on every GPU, each with its own weight copy, and runs them concurrently. Writes a results JSON;
// exits non-zero unless every planned check ran and passed. On a machine with fewer than two GPUs
// nothing is planned: it records a skip with the reason (never a pass) and exits 0.
import { execFileSync } from "node:child_process";
import { type CompiledModel, loadCompiled, prefetch } from "@aotihub/loader";
import { probeGpus, type Tensor } from "@aotihub/native";
import { readDevicesOption } from "../../packages/loader/src/cli/device-option.js";
import { readBucketIo, relativeError, sameBytes } from "../support/bucket-io.js";
import { eagerOutputsOf } from "../support/eager-reference.js";
import { createChecks, serveRepo } from "./gpu-harness.js";

const [ditRepo, outFile, referencesRoot] = process.argv.slice(2) as [string, string, string?];
const MULTI_GPU_CHECKS = [
  "prefetch --device auto covers every GPU",
  "placed on the GPU asked for",
  "loading on GPU 0 leaves GPU 1 untouched",
  "each GPU holds one weight copy",
  "outputs on each GPU match eager",
  "both GPUs compute the same bits",
  "runs on the two GPUs overlap in time",
];

/** Each GPU as the driver's own tool lists it: the count and names `--device auto` must match. */
function smiGpus(): { name: string; computeCapability: string }[] {
  const text = execFileSync("nvidia-smi", ["--query-gpu=name,compute_cap", "--format=csv,noheader"], {
    encoding: "utf8",
  });
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [name, cap] = line.split(",").map((f) => f.trim());
      return { name: name!, computeCapability: cap! };
    });
}

/** Device memory in use per GPU, as the driver reports it (MiB). */
function memoryUsedMiB(): number[] {
  const text = execFileSync("nvidia-smi", ["--query-gpu=memory.used", "--format=csv,noheader,nounits"], {
    encoding: "utf8",
  });
  return text.trim().split("\n").map(Number);
}

async function timeRuns(
  model: CompiledModel,
  inputs: Record<string, Tensor>,
  count: number,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await model.run(inputs);
  return performance.now() - started;
}

const gpus = await probeGpus();
const { check, skip, unexpected, figures, finish } = createChecks(gpus.length >= 2 ? MULTI_GPU_CHECKS : []);
figures.gpus = gpus;
if (gpus.length < 2) {
  skip("multi-GPU checks", `this machine has ${gpus.length} GPU(s); they need two or more`);
} else {
  const { work, hub, server } = await serveRepo(ditRepo, "tiny-dit", {
    trustedRepos: ["aotihub/*"],
    index: null,
  });
  try {
    // prefetch --device auto: the CLI's own reading of "auto" (one profile per GPU), checked
    // against what nvidia-smi lists, then the union of what they need.
    const devices = await readDevicesOption("auto");
    const listed = smiGpus();
    const fetched = await prefetch({
      refs: ["aotihub/tiny-dit:bf16"],
      devices,
      config: hub,
      lockfile: false,
    });
    figures.prefetchedFiles = fetched.files.map((f) => f.path);
    const described = devices.map((d) => `${d.cuda?.name} ${d.cuda?.computeCapability}`);
    check(
      "prefetch --device auto covers every GPU",
      devices.length === listed.length &&
        devices.every(
          (d, i) =>
            d.cuda?.name === listed[i]!.name && d.cuda?.computeCapability === listed[i]!.computeCapability,
        ) &&
        fetched.files.some((f) => f.path.endsWith(".pt2")),
      `auto: [${described.join(", ")}]; nvidia-smi: [${listed.map((g) => `${g.name} ${g.computeCapability}`).join(", ")}]; ${fetched.files.length} files`,
    );

    const before = memoryUsedMiB();
    const opts = { cwd: work, hub, profile: "bf16", reuse: false } as const;
    const m0 = await loadCompiled("aotihub/tiny-dit", { ...opts, device: "cuda:0" });
    const afterFirst = memoryUsedMiB();
    const m1 = await loadCompiled("aotihub/tiny-dit", { ...opts, device: "cuda:1" });
    const afterBoth = memoryUsedMiB();
    const weightMiB = m0.stats.weightBytes / 2 ** 20;
    figures.memoryMiB = { before, afterFirst, afterBoth, weightMiB };
    check(
      "placed on the GPU asked for",
      m0.device === "cuda:0" && m1.device === "cuda:1",
      `${m0.device}, ${m1.device}`,
    );
    const delta0 = afterFirst[0]! - before[0]!;
    const delta1 = afterBoth[1]! - afterFirst[1]!;
    check(
      "loading on GPU 0 leaves GPU 1 untouched",
      afterFirst[1]! - before[1]! < weightMiB / 2,
      `GPU1 +${afterFirst[1]! - before[1]!} MiB`,
    );
    check(
      "each GPU holds one weight copy",
      delta0 >= weightMiB &&
        delta1 >= weightMiB &&
        delta0 < weightMiB * 2 + 1024 &&
        delta1 < weightMiB * 2 + 1024,
      `GPU0 +${delta0} MiB, GPU1 +${delta1} MiB for ${weightMiB.toFixed(0)} MiB of weights (+ CUDA context)`,
    );

    const bucket = m0.variants.at(-1)!.bucket.name;
    const io = await readBucketIo(ditRepo, bucket, "bf16");
    const [reference] = await eagerOutputsOf(ditRepo, bucket, referencesRoot, "bf16");
    const [o0] = await m0.run(io.inputs);
    const [o1] = await m1.run(io.inputs);
    const e0 = relativeError(o0!, reference!);
    const e1 = relativeError(o1!, reference!);
    check(
      "outputs on each GPU match eager",
      e0 <= 1e-2 && e1 <= 1e-2,
      `relative error ${e0.toExponential(2)} / ${e1.toExponential(2)}`,
    );
    check("both GPUs compute the same bits", sameBytes(o0!, o1!), "cuda:0 vs cuda:1 outputs");

    const runs = 300;
    await timeRuns(m0, io.inputs, 20);
    await timeRuns(m1, io.inputs, 20);
    const alone0 = await timeRuns(m0, io.inputs, runs);
    const alone1 = await timeRuns(m1, io.inputs, runs);
    const started = performance.now();
    await Promise.all([timeRuns(m0, io.inputs, runs), timeRuns(m1, io.inputs, runs)]);
    const together = performance.now() - started;
    figures.concurrency = {
      runs,
      bucket,
      alone0Ms: alone0,
      alone1Ms: alone1,
      togetherMs: together,
      serialMs: alone0 + alone1,
    };
    check(
      "runs on the two GPUs overlap in time",
      together < 0.8 * (alone0 + alone1),
      `${runs} runs each: alone ${alone0.toFixed(0)} + ${alone1.toFixed(0)} ms, together ${together.toFixed(0)} ms`,
    );
    m0.dispose();
    m1.dispose();
  } catch (error) {
    unexpected(error);
  } finally {
    await server.close();
  }
}
await finish(outFile, "multi-GPU");
