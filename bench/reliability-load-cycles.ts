// 1000 loadCompiled/dispose cycles of a compiled model on CPU, one run each, in one process:
// resident memory must stay flat (a leaked dlopen, weight mapping or tensor shows as growth).
// Figures (RSS by cycle) go into docs/reliability.md. Run: pnpm exec tsx --expose-gc bench/reliability-load-cycles.ts
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHubServer } from "@aotihub/hub-server";
import { type HubConfig, loadCompiled } from "@aotihub/loader";
import { readBucketIo, sameBytes } from "../test/support/bucket-io.js";
import { ensureTestModels } from "../test/support/test-models.js";
import { machineLine, writeDocSection } from "./reliability/doc-section.js";

const CYCLES = Number(process.env.CYCLES ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc: RSS is only comparable after a full GC");

const models = await ensureTestModels();
const hubRoot = await mkdtemp(join(tmpdir(), "aotihub-cycles-hub-"));
await mkdir(join(hubRoot, "models", "acme"), { recursive: true });
await cp(models.models["tiny-mlp"], join(hubRoot, "models", "acme", "tiny-mlp"), { recursive: true });
const server = await startHubServer({ root: hubRoot });
const home = await mkdtemp(join(tmpdir(), "aotihub-cycles-home-"));
process.env.AOTIHUB_CACHE = join(home, "aotihub");
const online: HubConfig = {
  endpoint: server.url,
  token: undefined,
  hfHome: home,
  cacheDir: join(home, "hub"),
  offline: false,
};
const project = await mkdtemp(join(tmpdir(), "aotihub-cycles-project-"));
await writeFile(
  join(project, "aotihub.config.json"),
  JSON.stringify({ aliases: { "tiny-mlp": { repo: "acme/tiny-mlp" } }, index: null }),
);
const io = await readBucketIo(models.models["tiny-mlp"], "b2");

const load = (hub: HubConfig) =>
  loadCompiled("tiny-mlp", { cwd: project, hub, device: "cpu", trustRemoteCode: true, reuse: false });
// the first load downloads into the cache; every cycle after it loads from the cache, offline
(await load(online)).dispose();
await server.close();
const offline = { ...online, offline: true };

const rssMiB = () => {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
};
const samples: { cycle: number; rss: number }[] = [];
let wrong = 0;
for (let cycle = 1; cycle <= CYCLES; cycle++) {
  const model = await load(offline);
  const outputs = await model.run(io.inputs);
  if (!outputs.every((out, i) => sameBytes(out, io.outputs[i]!))) wrong++;
  model.dispose();
  if (cycle === 1 || cycle % 100 === 0) {
    samples.push({ cycle, rss: rssMiB() });
    console.log(`cycle ${cycle}: rss ${samples.at(-1)!.rss.toFixed(1)} MiB`);
  }
}
const at = (c: number) => samples.find((s) => s.cycle === c)?.rss ?? Number.NaN;
const base = at(Math.min(100, CYCLES));
const growth = samples.at(-1)!.rss - base;
const perCycleKiB = (growth * 1024) / Math.max(1, CYCLES - 100);
const flat = perCycleKiB < 4; // under 4 KiB a cycle: nothing per load is kept
writeDocSection(
  "load-cycles",
  `### loadCompiled / dispose cycles on CPU

\`pnpm exec tsx --expose-gc bench/reliability-load-cycles.ts\`: ${CYCLES} cycles of \`loadCompiled("tiny-mlp", { device: "cpu", reuse: false })\`, one run checked bit-identical to eager, \`dispose()\`; RSS after a full GC.

| cycle | ${samples.map((s) => s.cycle).join(" | ")} |
| --- | ${samples.map(() => "---").join(" | ")} |
| RSS (MiB) | ${samples.map((s) => s.rss.toFixed(1)).join(" | ")} |

Outputs not bit-identical to eager: ${wrong} of ${CYCLES}. Growth from cycle 100 to ${CYCLES}: ${growth.toFixed(1)} MiB (${perCycleKiB.toFixed(2)} KiB a cycle): ${flat ? "flat" : "GROWING"}.
Machine: ${machineLine()}.`,
);
if (!flat || wrong > 0) process.exitCode = 1;
