// Downloads at a capped link: the local Hub paces every CDN connection to 40 MB/s and adds 20 ms
// before each answer (a CDN edge far away), then each client downloads the same files into its
// own fresh Hugging Face cache, in its own process: aotihub (ranged GETs over several connections)
// against huggingface_hub's hf_hub_download / snapshot_download and @huggingface/hub's
// snapshotDownload. Same server, same files, same run; the time counts from the download call to
// its return (imports excluded), with the process's CPU time and peak RSS. Rewrites its section
// of docs/benchmarks.md.
import { execFile } from "node:child_process";
import { randomFillSync } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHubServer } from "../packages/hub-server/src/index.js";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";

const DOC = join(repoRoot, "docs", "benchmarks.md");
const BEGIN = "<!-- download-cap:begin -->";
const END = "<!-- download-cap:end -->";
const MIB = 1024 * 1024;
const CAP = 40e6; // bytes per second per connection
const LATENCY_MS = 20;
const FILE_BYTES = 256 * MIB;
const python = testPython();
const loaderDist = join(repoRoot, "packages/loader/dist/index.js");
const hfJs = join(repoRoot, "packages/loader/node_modules/@huggingface/hub/dist/index.mjs");

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  const piece = Buffer.alloc(16 * MIB);
  for (let written = 0; written < bytes; written += piece.length)
    writeSync(fd, randomFillSync(piece), 0, Math.min(piece.length, bytes - written));
  closeSync(fd);
}

const root = mkdtempSync(join(tmpdir(), "aotihub-bench-dl-"));
mkdirSync(join(root, "models", "bench", "one"), { recursive: true });
mkdirSync(join(root, "models", "bench", "four"), { recursive: true });
randomFile(join(root, "models", "bench", "one", "model.safetensors"), FILE_BYTES);
for (let i = 0; i < 4; i++)
  randomFile(join(root, "models", "bench", "four", `shard-${i}.safetensors`), FILE_BYTES);

const server = await startHubServer({ root, throttleBytesPerSecond: CAP, latencyMs: LATENCY_MS });

interface Outcome {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  bytes: number;
}

/**
 * Runs one client in a fresh process with a fresh cache; it prints its own measurements as JSON.
 * Asynchronously: the Hub serving it lives in this process's event loop.
 */
async function measure(command: string, args: string[]): Promise<Outcome> {
  const home = mkdtempSync(join(tmpdir(), "aotihub-bench-dl-home-"));
  const result = await promisify(execFile)(command, args, {
    env: {
      ...process.env,
      HF_ENDPOINT: server.url,
      HF_HOME: home,
      HF_HUB_CACHE: join(home, "hub"),
      HF_HUB_DISABLE_XET: "1",
      HF_HUB_DISABLE_PROGRESS_BARS: "1",
      HF_HUB_DISABLE_TELEMETRY: "1",
    },
    encoding: "utf8",
    maxBuffer: 16 * MIB,
  }).finally(() => rmSync(home, { recursive: true, force: true }));
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Outcome;
}

const nodeReport = `
const usage = process.resourceUsage();
console.log(JSON.stringify({ seconds, bytes, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, peakRssMiB: usage.maxRSS / 1024 }));`;

const ours = (repo: string, files: string[]) => [
  "--input-type=module",
  "-e",
  `import { downloadFile, snapshotDownload, parseRepoId } from ${JSON.stringify(loaderDist)};
const repo = parseRepoId(${JSON.stringify(repo)});
const t0 = performance.now();
let bytes = 0;
${
  files.length === 1
    ? `bytes = (await downloadFile({ repo, path: ${JSON.stringify(files[0])} })).size;`
    : `const snap = await snapshotDownload({ repo }); bytes = snap.files.reduce((a, f) => a + f.size, 0);`
}
const seconds = (performance.now() - t0) / 1000;${nodeReport}`,
];

const hfPython = (repo: string, files: string[]) => [
  "-c",
  `import json, os, resource, time
from huggingface_hub import hf_hub_download, snapshot_download
t0 = time.perf_counter()
if ${files.length === 1 ? "True" : "False"}:
    paths = [hf_hub_download(${JSON.stringify(repo)}, ${JSON.stringify(files[0])})]
else:
    d = snapshot_download(${JSON.stringify(repo)})
    paths = [os.path.join(d, f) for f in os.listdir(d)]
seconds = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "bytes": sum(os.path.getsize(p) for p in paths), "cpuSeconds": u.ru_utime + u.ru_stime, "peakRssMiB": u.ru_maxrss / 1024}))`,
];

const hfJsSnapshot = (repo: string) => [
  "--input-type=module",
  "-e",
  `import { snapshotDownload } from ${JSON.stringify(hfJs)};
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
const t0 = performance.now();
const dir = await snapshotDownload({ repo: ${JSON.stringify(repo)}, hubUrl: process.env.HF_ENDPOINT, cacheDir: process.env.HF_HUB_CACHE });
const seconds = (performance.now() - t0) / 1000;
const bytes = readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);${nodeReport}`,
];

const rows: { name: string; files: string; outcome: Outcome }[] = [];
const run = async (name: string, files: string, command: string, args: string[]) => {
  const outcome = await measure(command, args);
  rows.push({ name, files, outcome });
  console.log(`${name} (${files}): ${outcome.seconds.toFixed(2)} s`);
};

const one = "1 x 256 MiB";
const four = "4 x 256 MiB";
await run("aotihub downloadFile", one, process.execPath, ours("bench/one", ["model.safetensors"]));
await run("huggingface_hub hf_hub_download", one, python, hfPython("bench/one", ["model.safetensors"]));
await run("aotihub snapshotDownload", four, process.execPath, ours("bench/four", []));
await run("huggingface_hub snapshot_download", four, python, hfPython("bench/four", []));
await run("@huggingface/hub snapshotDownload", four, process.execPath, hfJsSnapshot("bench/four"));
await server.close();
rmSync(root, { recursive: true, force: true });

const oursOne = rows.find((r) => r.name === "aotihub downloadFile")!.outcome;
const mbps = (o: Outcome) => o.bytes / o.seconds / 1e6;
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "?"} (${cpus().length} cores), the local Hub in the same machine: every CDN connection paced to ${CAP / 1e6} MB/s, ${LATENCY_MS} ms added to each answer. One fresh process and cache per client; time from the download call to its return.`,
  "",
  "| client | files | time | throughput | vs hf_hub_download (1 file) | CPU time | peak RSS |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    ({ name, files, outcome: o }) =>
      `| ${name} | ${files} | ${o.seconds.toFixed(2)} s | ${mbps(o).toFixed(0)} MB/s | ${files === one ? `${(rows.find((r) => r.name === "huggingface_hub hf_hub_download")!.outcome.seconds / o.seconds).toFixed(1)}x` : "-"} | ${o.cpuSeconds.toFixed(2)} s | ${o.peakRssMiB.toFixed(0)} MiB |`,
  ),
  "",
  `aotihub's single file used at most 8 connections (its default): the cap allows ${((8 * CAP) / 1e6).toFixed(0)} MB/s, it reached ${mbps(oursOne).toFixed(0)} MB/s (${((100 * mbps(oursOne)) / ((8 * CAP) / 1e6)).toFixed(0)}% of it).`,
].join("\n");
console.log(table);
const doc = readFileSync(DOC, "utf8");
const section = `${BEGIN}\n${table}\n${END}`;
writeFileSync(
  DOC,
  doc.includes(BEGIN)
    ? doc.replace(new RegExp(`${BEGIN}[\\s\\S]*${END}`), section)
    : `${doc.trimEnd()}\n\n## Downloads at a capped link (CPU machine)\n\nbench/download-cap.bench.ts. ${section}\n`,
);
