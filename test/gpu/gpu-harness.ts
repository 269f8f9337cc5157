// What the GPU scripts share: a check list that ends in a results file and an exit code, and a
// local Hub (with its own HF cache and aotihub cache) serving one exported repo as aotihub/<name>.
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HubServer, startHubServer } from "@aotihub/hub-server";
import type { HubConfig } from "@aotihub/loader";

export interface Checks {
  check(name: string, ok: boolean, detail: string): void;
  /** Records an error that escaped the checks as a failed check, with its stack. */
  unexpected(error: unknown): void;
  figures: Record<string, unknown>;
  /** Writes `{ checks, figures }` to `file` and sets the exit code from the checks. */
  finish(file: string, label: string): Promise<void>;
}

export function createChecks(): Checks {
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  const figures: Record<string, unknown> = {};
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    process.stderr.write(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}\n`);
  };
  return {
    figures,
    check,
    unexpected: (error) =>
      check(
        "no unexpected error",
        false,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      ),
    async finish(file, label) {
      await writeFile(file, `${JSON.stringify({ checks, figures }, null, 2)}\n`);
      const failed = checks.filter((c) => !c.ok);
      process.stderr.write(`${checks.length - failed.length}/${checks.length} ${label} checks passed\n`);
      process.exitCode = failed.length === 0 ? 0 : 1;
    },
  };
}

export interface ServedRepo {
  /** The folder holding aotihub.config.json: pass it as `cwd` to loadCompiled. */
  work: string;
  hub: HubConfig;
  server: HubServer;
}

/** Serves `repoDir` as `aotihub/<name>` from a fresh local Hub, with a project config beside it. */
export async function serveRepo(repoDir: string, name: string, projectConfig: object): Promise<ServedRepo> {
  const work = await mkdtemp(join(tmpdir(), "aotihub-gpu-"));
  process.env.AOTIHUB_CACHE = join(work, "aotihub");
  await mkdir(join(work, "hub", "models", "aotihub"), { recursive: true });
  await symlink(repoDir, join(work, "hub", "models", "aotihub", name));
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
