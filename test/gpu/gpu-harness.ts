// What the GPU scripts share: a plan of checks that ends in a results file and an exit code, and a
// local Hub (with its own HF cache and aotihub cache) serving one exported repo as aotihub/<name>.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import type { HubConfig } from "@aotihub/loader";
import { CheckPlan } from "./check-plan.js";

export interface Checks {
  check(name: string, ok: boolean, detail: string): void;
  /** Records a check not made on this machine, and why (never a pass). */
  skip(name: string, reason: string): void;
  /** An error that escaped the checks: each planned check not yet recorded fails with it. */
  unexpected(error: unknown): void;
  figures: Record<string, unknown>;
  /**
   * Writes `{ checks, summary, figures }` to `file`, prints "N of M planned checks ran, K passed",
   * and sets the exit code: 0 only when every planned check ran and passed.
   */
  finish(file: string, label: string): Promise<void>;
}

/** The checks a GPU script plans to make on this machine (see check-plan.ts). */
export function createChecks(planned: readonly string[]): Checks {
  const plan = new CheckPlan(planned);
  const figures: Record<string, unknown> = {};
  return {
    figures,
    check: (name, ok, detail) => plan.check(name, ok, detail),
    skip: (name, reason) => plan.skip(name, reason),
    unexpected: (error) => {
      const open = plan.planned.filter((n) => !plan.records.some((r) => r.name === n && r.status !== "skip"));
      plan.failAll(open.length > 0 ? open : ["no unexpected error"], error);
    },
    async finish(file, label) {
      const summary = plan.summary();
      await writeFile(file, `${JSON.stringify({ checks: plan.records, summary, figures }, null, 2)}\n`);
      process.stderr.write(`${label}: ${summary.line}\n`);
      process.exitCode = summary.ok ? 0 : 1;
    },
  };
}

export interface ServedRepo {
  /** The folder holding aotihub.config.json: pass it as `cwd` to loadCompiled. */
  work: string;
  hub: HubConfig;
  server: HubServer;
}

/**
 * Serves `repoDir` as `aotihub/<name>` from a local Hub, with a project config beside it, in a fresh
 * folder, or in `reuse` (a folder an earlier run served from: its caches stay warm).
 */
export async function serveRepo(
  repoDir: string,
  name: string,
  projectConfig: object,
  reuse?: string,
): Promise<ServedRepo> {
  const work = reuse ?? (await mkdtemp(join(tmpdir(), "aotihub-gpu-")));
  process.env.AOTIHUB_CACHE = join(work, "aotihub");
  await mkdir(join(work, "hub", "models", "aotihub"), { recursive: true });
  const served = join(work, "hub", "models", "aotihub", name);
  if (!existsSync(served)) await symlink(repoDir, served);
  await writeFile(join(work, "aotihub.config.json"), JSON.stringify(projectConfig));
  const server = await startHubServer({ root: join(work, "hub") });
  const hub: HubConfig = {
    endpoint: server.url,
    token: undefined,
    hfHome: join(work, "hf"),
    cacheDir: join(work, "hf", "hub"),
    offline: false,
  };
  return { work, hub, server };
}
