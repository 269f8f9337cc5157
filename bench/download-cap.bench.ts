// Downloads at a capped link: a local Hub (`aotihub serve`, in its own process so it never shares
// a client's event loop or this script's) paces every CDN connection to 40 MB/s and adds 20 ms
// before each answer (a CDN edge far away). Each client then downloads the same files into its own
// fresh Hugging Face cache, in its own process: aotihub (ranged GETs over several connections)
// against huggingface_hub's hf_hub_download / snapshot_download and @huggingface/hub's
// snapshotDownload. Same server, same files, every client in every round, rounds interleaved (the
// machine is shared: medians, with the range). Time counts from the download call to its return
// (imports excluded), with the client's CPU time (in that window, and the whole process's) and
// peak RSS, and the server's CPU time meanwhile. aotihub also runs at 4 and 12 connections, to show
// what its default of 8 buys on this machine. Rewrites its section of docs/benchmarks.md.
//
//   pnpm -r --silent run build:ts && pnpm exec tsx bench/download-cap.bench.ts
//
// (about 1 minute per round, up to 2.5 GiB of temp files.) BENCH_ROUNDS=<n> sets the rounds (default 3);
// BENCH_CLIENTS=<names, comma-separated substrings> runs only those clients (the section is then
// not rewritten); BENCH_BASELINE_DIST=<another build's packages/loader/dist/index.js> with
// BENCH_BASELINE_LABEL adds that build's aotihub as rows of the same run (before/after on the same
// server and machine).
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { testPython } from "../test/support/python.js";
import { repoRoot } from "../test/support/repo-root.js";
import { writeBenchmarkSection } from "./support/benchmarks-doc.js";

const MIB = 1024 * 1024;
const CAP = 40e6; // bytes per second per connection
const LATENCY_MS = 20;
const FILE_BYTES = 256 * MIB;
/** aotihub's default `maxConcurrency`: the connections one file may use. */
const CONNECTIONS = 8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_CLIENTS?.split(",").map((name) => name.trim());
const python = testPython();
const cli = join(repoRoot, "packages/loader/dist/cli/main.js");
const loaderDist = join(repoRoot, "packages/loader/dist/index.js");
const hfJs = join(repoRoot, "packages/loader/node_modules/@huggingface/hub/dist/index.mjs");

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  const piece = Buffer.alloc(16 * MIB);
  for (let written = 0; written < bytes; written += piece.length)
    writeSync(fd, randomFillSync(piece), 0, Math.min(piece.length, bytes - written));
  closeSync(fd);
}

/** `aotihub serve` in a child process; resolves with its API origin once it listens. */
async function startServer(root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [cli, "serve", root, "--throttle", String(CAP), "--latency", String(LATENCY_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      const found = /HF_ENDPOINT=(\S+)/.exec(out);
      if (found) resolve(found[1]!);
    });
    child.once("exit", (code) => reject(new Error(`aotihub serve exited (${code}): ${out}`)));
  });
  return { url, child };
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number): number | undefined {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
}

const root = mkdtempSync(join(tmpdir(), "aotihub-bench-dl-"));
const files = {
  one: ["model.safetensors"],
  four: [0, 1, 2, 3].map((i) => `shard-${i}.safetensors`),
};
for (const [repo, names] of Object.entries(files)) {
  mkdirSync(join(root, "models", "bench", repo), { recursive: true });
  for (const name of names) randomFile(join(root, "models", "bench", repo, name), FILE_BYTES);
}
const server = await startServer(root);
// The server hashes an LFS file the first time a request needs its oid: do that now, so no client
// pays for it (the first client measured used to).
for (const [repo, names] of Object.entries(files))
  for (const name of names)
    await fetch(`${server.url}/bench/${repo}/resolve/main/${name}`, { method: "HEAD", redirect: "manual" });

interface Outcome {
  seconds: number;
  /** CPU of the whole client process (imports, interpreter start-up included). */
  cpuSeconds: number;
  /** CPU of the client between the download call and its return. */
  windowCpuSeconds: number;
  peakRssMiB: number;
  bytes: number;
  serverCpuSeconds?: number;
  load: number;
}

/** Runs one client in a fresh process with a fresh cache; it prints its own measurements as JSON. */
async function measure(command: string, args: string[]): Promise<Outcome> {
  const home = mkdtempSync(join(tmpdir(), "aotihub-bench-dl-home-"));
  const load = loadavg()[0]!;
  const serverBefore = processCpuSeconds(server.child.pid!);
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
  const serverAfter = processCpuSeconds(server.child.pid!);
  const outcome = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Outcome;
  if (serverBefore !== undefined && serverAfter !== undefined)
    outcome.serverCpuSeconds = serverAfter - serverBefore;
  outcome.load = load;
  return outcome;
}

/** Node clients: `const u0 = process.resourceUsage()` goes next to `t0`. */
const nodeReport = `
const usage = process.resourceUsage();
const cpu = (u) => (u.userCPUTime + u.systemCPUTime) / 1e6;
console.log(JSON.stringify({ seconds, bytes, cpuSeconds: cpu(usage), windowCpuSeconds: cpu(usage) - cpu(u0), peakRssMiB: usage.maxRSS / 1024 }));`;

const ours = (repo: string, names: string[], dist = loaderDist, connections = CONNECTIONS) => [
  "--input-type=module",
  "-e",
  `import { downloadFile, snapshotDownload, parseRepoId } from ${JSON.stringify(dist)};
const repo = parseRepoId(${JSON.stringify(repo)});
const tuning = ${connections === CONNECTIONS ? "{}" : `{ maxConcurrency: ${connections} }`};
const u0 = process.resourceUsage();
const t0 = performance.now();
let bytes = 0;
${
  names.length === 1
    ? `bytes = (await downloadFile({ repo, path: ${JSON.stringify(names[0])}, ...tuning })).size;`
    : `const snap = await snapshotDownload({ repo, ...tuning }); bytes = snap.files.reduce((a, f) => a + f.size, 0);`
}
const seconds = (performance.now() - t0) / 1000;${nodeReport}`,
];

const hfPython = (repo: string, names: string[]) => [
  "-c",
  `import json, os, resource, time
from huggingface_hub import hf_hub_download, snapshot_download
u0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
if ${names.length === 1 ? "True" : "False"}:
    paths = [hf_hub_download(${JSON.stringify(repo)}, ${JSON.stringify(names[0])})]
else:
    d = snapshot_download(${JSON.stringify(repo)})
    paths = [os.path.join(d, f) for f in os.listdir(d)]
seconds = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "bytes": sum(os.path.getsize(p) for p in paths), "cpuSeconds": u.ru_utime + u.ru_stime, "windowCpuSeconds": u.ru_utime + u.ru_stime - u0.ru_utime - u0.ru_stime, "peakRssMiB": u.ru_maxrss / 1024}))`,
];

const hfJsSnapshot = (repo: string) => [
  "--input-type=module",
  "-e",
  `import { snapshotDownload } from ${JSON.stringify(hfJs)};
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
const u0 = process.resourceUsage();
const t0 = performance.now();
const dir = await snapshotDownload({ repo: ${JSON.stringify(repo)}, hubUrl: process.env.HF_ENDPOINT, cacheDir: process.env.HF_HUB_CACHE });
const seconds = (performance.now() - t0) / 1000;
const bytes = readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);${nodeReport}`,
];

/**
 * The ceiling of this machine and server: curl, 8 ranged GETs of one file in parallel, each into
 * its own file, nothing verified or assembled. What aotihub does on top is the hashing, one file,
 * the cache and its durability.
 */
const curlRanges = (repo: string, name: string) => [
  "-c",
  `import http.client, json, os, resource, subprocess, tempfile, time, urllib.parse
size, n = ${FILE_BYTES}, ${CONNECTIONS}
u0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
endpoint = urllib.parse.urlsplit(os.environ["HF_ENDPOINT"])
api = http.client.HTTPConnection(endpoint.hostname, endpoint.port)
api.request("HEAD", "/${repo}/resolve/main/${name}")
location = api.getresponse().getheader("Location")
out = tempfile.mkdtemp(dir=os.environ["HF_HOME"])
parts = [subprocess.Popen(["curl", "-sf", "-o", os.path.join(out, str(i)), "-r", f"{i * size // n}-{(i + 1) * size // n - 1}", location]) for i in range(n)]
assert all(p.wait() == 0 for p in parts)
seconds = time.perf_counter() - t0
u, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "bytes": sum(os.path.getsize(os.path.join(out, str(i))) for i in range(n)), "cpuSeconds": u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime, "windowCpuSeconds": u.ru_utime + u.ru_stime - u0.ru_utime - u0.ru_stime + c.ru_utime + c.ru_stime, "peakRssMiB": c.ru_maxrss / 1024}))`,
];

const one = "1 x 256 MiB";
const four = "4 x 256 MiB";
interface Client {
  name: string;
  files: string;
  command: string;
  args: string[];
  /** CDN connections it uses at most, where known: the cap it can reach is this x 40 MB/s. */
  connections?: number;
}
const oursOne = "aotihub downloadFile";
const hfOne = "huggingface_hub hf_hub_download";
const curlName = `curl, ${CONNECTIONS} ranged GETs into ${CONNECTIONS} files (unverified ceiling)`;
const fewer = 4;
const more = 12;
let clients: Client[] = [
  {
    name: oursOne,
    files: one,
    command: process.execPath,
    args: ours("bench/one", files.one),
    connections: CONNECTIONS,
  },
  { name: hfOne, files: one, command: python, args: hfPython("bench/one", files.one), connections: 1 },
  {
    name: "aotihub snapshotDownload",
    files: four,
    command: process.execPath,
    args: ours("bench/four", files.four),
    connections: CONNECTIONS,
  },
  {
    name: "huggingface_hub snapshot_download",
    files: four,
    command: python,
    args: hfPython("bench/four", files.four),
    connections: 4, // one stream per file
  },
  {
    name: "@huggingface/hub snapshotDownload",
    files: four,
    command: process.execPath,
    args: hfJsSnapshot("bench/four"),
  },
  {
    name: `aotihub downloadFile, maxConcurrency ${fewer}`,
    files: one,
    command: process.execPath,
    args: ours("bench/one", files.one, loaderDist, fewer),
    connections: fewer,
  },
  {
    name: `aotihub downloadFile, maxConcurrency ${more}`,
    files: one,
    command: process.execPath,
    args: ours("bench/one", files.one, loaderDist, more),
    connections: more,
  },
];
if (spawnSync("curl", ["--version"]).status === 0)
  clients.push({
    name: curlName,
    files: one,
    command: python,
    args: curlRanges("bench/one", files.one[0]!),
    connections: CONNECTIONS,
  });
else console.log("no curl on this machine: the unverified ceiling row is left out");
const baseline = process.env.BENCH_BASELINE_DIST;
if (baseline !== undefined) {
  const label = process.env.BENCH_BASELINE_LABEL ?? "baseline";
  clients.push(
    {
      name: `${oursOne} (${label})`,
      files: one,
      command: process.execPath,
      args: ours("bench/one", files.one, baseline),
      connections: CONNECTIONS,
    },
    {
      name: `aotihub snapshotDownload (${label})`,
      files: four,
      command: process.execPath,
      args: ours("bench/four", files.four, baseline),
      connections: CONNECTIONS,
    },
  );
}
if (ONLY !== undefined) clients = clients.filter((c) => ONLY.some((name) => c.name.includes(name)));
const outcomes = new Map<string, Outcome[]>(clients.map((c) => [c.name, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const client of clients) {
      const outcome = await measure(client.command, client.args);
      outcomes.get(client.name)!.push(outcome);
      console.log(
        `round ${round}: ${client.name} (${client.files}): ${outcome.seconds.toFixed(2)} s, client CPU ${outcome.windowCpuSeconds.toFixed(2)} s (process ${outcome.cpuSeconds.toFixed(2)} s), server CPU ${outcome.serverCpuSeconds?.toFixed(2) ?? "?"} s, load ${outcome.load.toFixed(1)}`,
      );
    }
  }
} finally {
  server.child.kill("SIGTERM");
  rmSync(root, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const stat = (name: string, pick: (o: Outcome) => number | undefined) =>
  median(outcomes.get(name)!.map((o) => pick(o) ?? Number.NaN));
const seconds = (name: string) => stat(name, (o) => o.seconds);
const mbps = (name: string) => stat(name, (o) => o.bytes / o.seconds / 1e6);
const range = (name: string) => {
  const all = outcomes.get(name)!.map((o) => o.seconds);
  return `${Math.min(...all).toFixed(2)}-${Math.max(...all).toFixed(2)}`;
};
const loads = [...outcomes.values()].flat().map((o) => o.load);
const fastest = (name: string) => Math.min(...outcomes.get(name)!.map((o) => o.seconds));
const capMBps = (connections: number) => (connections * CAP) / 1e6;
const ofCap = (client: Client) =>
  client.connections === undefined
    ? "-"
    : `${client.connections}: ${((100 * mbps(client.name)) / capMBps(client.connections)).toFixed(0)}%`;
const has = (name: string) => outcomes.has(name);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "?"} (${cpus().length} cores, shared: 1-minute load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during the runs). The local Hub (\`aotihub serve --throttle ${CAP} --latency ${LATENCY_MS}\`) runs in its own process: every CDN connection paced to ${CAP / 1e6} MB/s, ${LATENCY_MS} ms added before each answer. One fresh process and cache per client; time from the download call to its return; ${ROUNDS} rounds, clients interleaved: medians (time range in brackets). Client CPU: user + system from the download call to its return (the whole process, imports and start-up included, in brackets).`,
  "",
  "| client | files | time | throughput | vs hf_hub_download (1 file) | connections: % of their cap | client CPU | peak RSS | server CPU |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...clients.map(
    (client) =>
      `| ${client.name} | ${client.files} | ${seconds(client.name).toFixed(2)} s (${range(client.name)}) | ${mbps(client.name).toFixed(0)} MB/s | ${client.files === one && has(hfOne) ? `${(seconds(hfOne) / seconds(client.name)).toFixed(1)}x` : "-"} | ${ofCap(client)} | ${stat(client.name, (o) => o.windowCpuSeconds).toFixed(2)} s (${stat(client.name, (o) => o.cpuSeconds).toFixed(2)} s) | ${stat(client.name, (o) => o.peakRssMiB).toFixed(0)} MiB | ${stat(client.name, (o) => o.serverCpuSeconds).toFixed(2)} s |`,
  ),
  "",
  has(oursOne) && has(hfOne)
    ? `Round by round (the load changes between rounds, so each round's own hf_hub_download is the fair anchor): ${outcomes
        .get(oursOne)!
        .map((o, i) => {
          const hf = outcomes.get(hfOne)![i]!;
          return `round ${i + 1}, load ${o.load.toFixed(1)}: ${o.seconds.toFixed(2)} s, ${(hf.seconds / o.seconds).toFixed(1)}x hf_hub_download, ${((100 * o.bytes) / o.seconds / 1e6 / capMBps(CONNECTIONS)).toFixed(0)}% of the cap of ${CONNECTIONS} connections, client CPU ${o.windowCpuSeconds.toFixed(2)} s, server CPU ${o.serverCpuSeconds?.toFixed(2) ?? "?"} s`;
        })
        .join("; ")}. Fastest aotihub downloadFile: ${fastest(oursOne).toFixed(2)} s.`
    : "",
  "",
  has(oursOne) && has(hfOne)
    ? `aotihub's single file used at most ${CONNECTIONS} connections (its default \`maxConcurrency\`): the cap allows ${capMBps(CONNECTIONS).toFixed(0)} MB/s, it reached ${mbps(oursOne).toFixed(0)} MB/s (${((100 * mbps(oursOne)) / capMBps(CONNECTIONS)).toFixed(0)}% of it)${has(curlName) ? `; curl's ${CONNECTIONS} ranged GETs reached ${mbps(curlName).toFixed(0)} MB/s (${((100 * mbps(curlName)) / capMBps(CONNECTIONS)).toFixed(0)}%)` : ""}; one connection allows ${CAP / 1e6} MB/s, hf_hub_download reached ${mbps(hfOne).toFixed(0)} MB/s.`
    : "",
].join("\n");
console.log(table);
if (ONLY !== undefined) {
  console.log("BENCH_CLIENTS picked some clients only: docs/benchmarks.md left as it is");
} else {
  writeBenchmarkSection(
    "download-cap",
    table,
    "## Downloads at a capped link (CPU machine)\n\nbench/download-cap.bench.ts.",
  );
}
