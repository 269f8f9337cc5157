// GPU figures for issue 14, in one process on the GPU machine (bundled by bench/gpu/pack.sh, run by
// bench/gpu/device.sh): per-call time of the 53M DiT against the plain C++ loop over the same C ABI
// (bench/anchor); a 28-step loop on device-resident tensors (weight upload: bench/gpu/upload.bench.ts).
// Works with an older build too (features it lacks are skipped), so the same script gives "before"
// and "after" on one card. Prints a table and writes a JSON file.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findTorch, type LoadedModel, loadPackages, readSafetensors, type Tensor } from "@aotihub/native";
import { binding } from "../../packages/native/lib/binding.js";
import { readBucketIo } from "../../test/support/bucket-io.js";
import { repoPackages } from "../../test/support/repo-packages.js";

const [label, repo, soCache, scratch, outFile, anchorBin] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const figures: Record<string, number | string> = {};
const say = (line: string) => process.stderr.write(`[${label}] ${line}\n`);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

// Weight upload (goal 1) has its own benchmark: bench/gpu/upload.bench.ts.
const torch = await findTorch({ pythons: ["python3"] });
// (In a "-cold" run loadPackages loads it, so its share is counted there.)
if (!label.endsWith("-cold")) await binding().loadTorch(torch.libDir, true);
mkdirSync(scratch, { recursive: true });
const cold = label.endsWith("-cold");
if (cold) {
  // A fresh process to its first output: each stage's share of the wall time since process start.
  const t = performance.now();
  const model = await loadPackages({
    ...repoPackages(repo),
    device: "cuda:0",
    torchDir: torch.dir,
    cacheDir: soCache,
  });
  const loaded = performance.now();
  const io = await readBucketIo(repo, model.variants[0]!.name);
  const f = performance.now();
  await model.run(model.inputNames.map((n) => io.inputs[n]!));
  const done = performance.now();
  figures["process start to first output, ms"] = Number(done.toFixed(0));
  figures["  node start + imports + findTorch, ms"] = Number(t.toFixed(0));
  figures["  loadPackages, ms"] = Number((loaded - t).toFixed(0));
  figures["    libtorch load, ms"] = Number(model.stats.torchLoadMs.toFixed(0));
  figures["    weights, ms"] = Number(model.stats.weightLoadMs.toFixed(0));
  figures["    variant open, ms"] = Number((model.variants[0]!.openMs ?? 0).toFixed(0));
  figures["  first call, ms"] = Number((done - f).toFixed(0));
  writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`| ${label} | ${k} | ${v} |\n`);
  process.exit(0);
}

// --- per call: the DiT's 1024-token bucket --------------------------------------------------------
const t0 = performance.now();
const model: LoadedModel = await loadPackages({
  ...repoPackages(repo),
  device: "cuda:0",
  torchDir: torch.dir,
  cacheDir: soCache,
});
figures["loadPackages ms"] = Number((performance.now() - t0).toFixed(1));
figures["weight upload ms (53M DiT)"] = Number(model.stats.weightLoadMs.toFixed(2));
const bucket = model.variants[0]!.name;
const io = await readBucketIo(repo, bucket);
const inputs = model.inputNames.map((n) => io.inputs[n]!);
const timeIt = async (n: number, call: () => Promise<unknown> | unknown) => {
  for (let i = 0; i < 20; i++) await call();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    us.push((performance.now() - t) * 1000);
  }
  return Number(median(us).toFixed(1));
};
figures["run, host I/O, us"] = await timeIt(300, () => model.run(inputs));
const m = model as LoadedModel & {
  runSync?: LoadedModel["runSync"];
  toDevice?: LoadedModel["toDevice"];
};
if (m.runSync) figures["runSync, host I/O, us"] = await timeIt(300, () => m.runSync!(inputs));
if (m.toDevice) {
  const onDevice = await Promise.all(inputs.map((t) => m.toDevice!(t)));
  figures["run, device I/O, us"] = await timeIt(300, async () => {
    for (const o of await model.run(onDevice, { keepOnDevice: true })) (o as { dispose(): void }).dispose();
  });
  figures["runSync, device I/O, us"] = await timeIt(300, () => {
    for (const o of m.runSync!(onDevice, { keepOnDevice: true })) (o as { dispose(): void }).dispose();
  });
  // 28 steps on the device, one read at the end; step 1 read back equals the host run's output.
  const [hostOut] = (await model.run(inputs)) as Tensor[];
  const [first] = await model.run(onDevice, { keepOnDevice: true });
  const readBack = await (first as unknown as { toHost(): Promise<Tensor> }).toHost();
  figures["device output read back == host output"] = String(
    Buffer.compare(
      Buffer.from(readBack.data.buffer, readBack.data.byteOffset, readBack.data.byteLength),
      Buffer.from(hostOut!.data.buffer, hostOut!.data.byteOffset, hostOut!.data.byteLength),
    ) === 0,
  );
  const t = performance.now();
  let latents = onDevice[0]!;
  for (let step = 0; step < 28; step++) {
    const [next] = await model.run([latents, onDevice[1]!], { keepOnDevice: true });
    if (step > 0) latents.dispose();
    latents = next as typeof latents;
  }
  const final = await (latents as unknown as { toHost(): Promise<Tensor> }).toHost();
  figures["28-step device loop + one read, ms"] = Number((performance.now() - t).toFixed(2));
  figures["28-step output finite"] = String(
    Array.from(final.data as Uint16Array).every((b) => (b & 0x7f80) !== 0x7f80),
  );
}

// --- the anchor: the same .so through its C ABI from a plain C++ loop ----------------------------
if (anchorBin) {
  const codes: Record<string, number> = {
    float32: 6,
    float16: 5,
    bfloat16: 15,
    int64: 4,
    int32: 3,
    uint8: 0,
    int8: 1,
    bool: 11,
  };
  const sizes: Record<string, number> = {
    float32: 4,
    float16: 2,
    bfloat16: 2,
    int64: 8,
    int32: 4,
    uint8: 1,
    int8: 1,
    bool: 1,
  };
  const { weights } = repoPackages(repo);
  const lines: string[] = [];
  for (const w of weights) {
    const file = await readSafetensors(w);
    for (const t of file.tensors)
      lines.push(
        `${t.name} ${codes[t.dtype]} ${w} ${t.byteOffset} ${t.byteLength} ${t.shape.length} ${t.shape.join(" ")}`,
      );
  }
  writeFileSync("/tmp/anchor-bind.txt", `${lines.join("\n")}\n`);
  writeFileSync(
    "/tmp/anchor-inputs.txt",
    `${inputs.map((t) => `${codes[t.dtype]} ${sizes[t.dtype]} ${t.shape.length} ${t.shape.join(" ")}`).join("\n")}\n`,
  );
  const so = findSo(soCache);
  const r = spawnSync(anchorBin, [so, "cuda", "/tmp/anchor-bind.txt", "/tmp/anchor-inputs.txt", "300"], {
    encoding: "utf8",
  });
  say(`anchor: ${r.stdout.trim()} ${r.stderr.trim().slice(-400)}`);
  try {
    const a = JSON.parse(r.stdout.trim().split("\n")[0]!) as { deviceIoUs: number; hostIoUs: number };
    figures["anchor C ABI loop, device I/O, us"] = a.deviceIoUs;
    figures["anchor C ABI loop, host I/O, us"] = a.hostIoUs;
  } catch {
    figures.anchor = `failed: ${r.stderr.slice(-300)}`;
  }
}
model.dispose();
writeFileSync(outFile, `${JSON.stringify(figures, null, 2)}\n`);
for (const [k, v] of Object.entries(figures)) process.stdout.write(`| ${label} | ${k} | ${v} |\n`);

function findSo(dir: string): string {
  let best = "";
  let bestTime = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".so") && statSync(p).mtimeMs > bestTime) {
        best = p;
        bestTime = statSync(p).mtimeMs;
      }
    }
  };
  walk(dir);
  return best;
}
