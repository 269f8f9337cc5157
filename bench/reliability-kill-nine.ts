// kill -9 at random points of 50 downloads into one cache, Node (downloadFile) and Python
// (huggingface_hub's hf_hub_download) processes mixed, 8 at once; then checks every blob against
// its name, scan_cache_dir()'s warnings, blobs written more than once, and a rerun by both clients.
// Figures go into docs/reliability.md. Run: pnpm exec tsx bench/reliability-kill-nine.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, syntheticBytes, syntheticContent } from "@aotihub/hub-server/testing";
import { runKillNine } from "../packages/loader/test/support/kill-nine.js";
import { writeServedRepo } from "../packages/loader/test/support/served-repo.js";
import { repoRoot } from "../test/support/repo-root.js";
import { machineLine, writeDocSection } from "./reliability/doc-section.js";

const DOWNLOADS = Number(process.env.DOWNLOADS ?? 50);
const PARALLEL = 8;
const SEED = Number(process.env.SEED ?? 9);
const MAX_KILL_MS = 3000;
const files: Record<string, Buffer> = {
  "a.safetensors": syntheticBytes(syntheticContent(6 * (1 << 20) + 1, 31)),
  "b.safetensors": syntheticBytes(syntheticContent(4 * (1 << 20) + 2, 32)),
  "c.safetensors": syntheticBytes(syntheticContent(3 * (1 << 20) + 3, 33)),
  "d.safetensors": syntheticBytes(syntheticContent(2 * (1 << 20) + 4, 34)),
  "config.json": Buffer.from('{"kill": 9}\n'),
};
const root = await writeServedRepo(files);
const hub = await startTestHubServer({ root });
const RATE = 2_000_000;
hub.faults.inject({ origin: "cdn", action: { type: "throttle", bytesPerSecond: RATE }, times: Infinity });
const cacheDir = mkdtempSync(join(tmpdir(), "aotihub-kill9-bench-"));
const python = process.env.AOTIHUB_PYTHON ?? join(repoRoot, ".venv/bin/python");
const r = await runKillNine({
  endpoint: hub.url,
  cacheDir,
  python,
  files: Object.keys(files),
  downloads: DOWNLOADS,
  parallel: PARALLEL,
  seed: SEED,
  maxKillMs: MAX_KILL_MS,
});
await hub.close();
rmSync(root, { recursive: true, force: true });
rmSync(cacheDir, { recursive: true, force: true });
console.log(JSON.stringify(r, null, 2));
const ok =
  r.failed.length === 0 &&
  r.unsound === undefined &&
  r.rewritten.length === 0 &&
  r.scanWarnings.length === 0 &&
  r.rerun.node &&
  r.rerun.python &&
  r.rerun.files === Object.keys(files).length;
writeDocSection(
  "kill-nine",
  `### kill -9 during downloads into one cache

\`pnpm exec tsx bench/reliability-kill-nine.ts\` (seed ${SEED}): ${DOWNLOADS} downloads of one of ${Object.keys(files).length} files (2 to 6 MiB LFS files and a small git file; CDN responses paced at ${RATE / 1e6} MB/s so kills land mid-body) into one \`HF_HUB_CACHE\`, ${PARALLEL} processes at once, each a Node process (\`downloadFile\`, parallel ranged GETs, resumable partial files) or a Python process (\`huggingface_hub\` ${"1.33"} \`hf_hub_download\`, \`HF_HUB_DISABLE_XET=1\`) chosen at random, each sent SIGKILL at a random time in [0, ${MAX_KILL_MS}) ms after its download started.

| processes | Node | Python | killed | finished before the kill | failed |
| --- | --- | --- | --- | --- | --- |
| ${DOWNLOADS} | ${r.started.node} | ${r.started.python} | ${r.killed} | ${r.finished} | ${r.failed.length} |

| afterwards | result |
| --- | --- |
| blobs whose bytes do not hash to their name, or snapshot links to no sound blob | ${r.unsound === undefined ? "0" : `FOUND: ${r.unsound}`} |
| blobs written more than once (inode changed while the runs went on, polled every 10 ms) | ${r.rewritten.length} |
| \`scan_cache_dir()\` warnings (after the kills, and after the rerun) | ${r.scanWarnings.length} |
| rerun of every file by Node, then by Python, no kills | ${r.rerun.node && r.rerun.python ? "completed" : "FAILED"}; scan_cache_dir lists ${r.rerun.files} of ${Object.keys(files).length} files; ${r.blobs} sound blobs |

Machine: ${machineLine()}.`,
);
if (!ok) process.exitCode = 1;
