import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHubServer } from "@aotihub/hub-server";
import { aotihubCacheDir, probeDevice } from "@aotihub/native";
import type { DeviceOption } from "../compiled/choose-device.js";
import { loadCompiled } from "../compiled/load-compiled.js";
import { buildDemoRepo } from "./build-demo-repo.js";
import { demoPythonSources } from "./demo-assets.js";
import { checksum, demoInputs } from "./demo-inputs.js";
import { findDemoPython } from "./demo-python.js";

export interface DemoOptions {
  device: DeviceOption;
  /** Steady-state calls per bucket (the median is printed). */
  runs: number;
  out: (line: string) => void;
}

/**
 * README command 1: a local Hub over the tiny DiT (exported here by the export helper), then
 * `loadCompiled("tiny-dit")` for this device, each resolution run, and what it cost.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const log = (line: string) => opts.out(`  ${line}`);
  const sources = demoPythonSources();
  const python = findDemoPython();
  process.env.AOTIHUB_PYTHON = python; // the runtime finds the same torch
  const probed = await probeDevice();
  const gpu = opts.device !== "cpu" && probed.cuda ? "cuda" : "cpu";
  opts.out(
    `machine: ${probed.os}/${probed.machine}, CPU ${probed.cpuIsa?.join(" ") || "generic"}, ${probed.cuda ? `GPU ${probed.cuda.name} (sm ${probed.cuda.computeCapability})` : "no GPU"}, torch ${probed.torch?.version ?? "none"}`,
  );

  const cacheDir = aotihubCacheDir();
  const repo = await buildDemoRepo({ sources, python, device: gpu, cacheDir, log });

  // A throwaway Hub and HF cache, so the demo never touches the user's real cache.
  const work = await mkdtemp(join(tmpdir(), "aotihub-demo-"));
  await mkdir(join(work, "hub", "models", "aotihub"), { recursive: true });
  await symlink(repo, join(work, "hub", "models", "aotihub", "tiny-dit"));
  await writeFile(
    join(work, "aotihub.config.json"),
    JSON.stringify({
      aliases: { "tiny-dit": { repo: "aotihub/tiny-dit" } },
      trustedRepos: ["aotihub/*"],
      index: null,
    }),
  );
  const server = await startHubServer({ root: join(work, "hub") });
  try {
    opts.out(`local Hub: ${server.url} serving aotihub/tiny-dit`);
    const model = await loadCompiled("tiny-dit", {
      cwd: work,
      device: opts.device,
      hub: {
        endpoint: server.url,
        token: undefined,
        hfHome: join(work, "hf"),
        cacheDir: join(work, "hf", "hub"),
        offline: false,
      },
      reuse: false,
    });
    opts.out(
      `\nloadCompiled("tiny-dit") on ${model.device}: ${model.stats.loadMs.toFixed(0)} ms (download + verify + libtorch ${model.stats.torchLoadMs.toFixed(0)} ms + weights ${model.stats.weightLoadMs.toFixed(1)} ms)`,
    );
    opts.out(model.explain().replace(/^/gm, "  "));
    opts.out(`\nbucket      first call   steady (median of ${opts.runs})   output checksum`);
    for (const variant of model.variants) {
      const inputs = demoInputs(variant.bucket);
      let started = performance.now();
      const first = await model.run(inputs);
      const firstMs = performance.now() - started;
      const times: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        started = performance.now();
        await model.run(inputs);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
      opts.out(
        `${variant.bucket.name.padEnd(10)}  ${firstMs.toFixed(2).padStart(8)} ms   ${median.toFixed(3).padStart(10)} ms        ${checksum(first)}  (${variant.path})`,
      );
    }
    model.dispose();
  } finally {
    await server.close();
  }
}
