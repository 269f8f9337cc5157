import { parseRepoId, type RepoType } from "@aotihub/registry";
import { InvalidArgumentError } from "commander";
import { cachedSha256, downloadFile } from "../../download/download-file.js";
import { snapshotDownload } from "../../download/snapshot-download.js";
import { readHubConfig } from "../../hub-config/hub-config.js";
import { createCliProgress } from "../cli-progress.js";
import type { RegisterCommand } from "./index.js";

function repoType(value: string): RepoType {
  if (value === "model" || value === "kernel" || value === "dataset") return value;
  throw new InvalidArgumentError('expected "model", "kernel" or "dataset"');
}

/** `aotihub download <repo> [paths...]`: a generic download into the shared cache, like `hf download`. */
export const registerDownload: RegisterCommand = (program) => {
  program
    .command("download")
    .description(
      "Download files of a Hub repo into the Hugging Face cache (HF_HUB_CACHE) and print where they are",
    )
    .argument("<repo>", "org/name")
    .argument("[paths...]", "files to fetch (default: the whole repo)")
    .option("--repo-type <type>", "model, kernel or dataset", repoType, "model")
    .option("--revision <rev>", "branch, tag, vN or commit", "main")
    .option("--include <glob...>", "only files matching these globs")
    .option("--json", "print a JSON report instead of paths")
    .action(
      async (
        name: string,
        paths: string[],
        flags: { repoType: RepoType; revision: string; include?: string[]; json?: boolean },
      ) => {
        const config = readHubConfig();
        const repo = parseRepoId(name, flags.repoType);
        const progress = createCliProgress(process.stderr, process.stderr.isTTY === true && !flags.json);
        const controller = new AbortController();
        process.once("SIGINT", () => controller.abort(new Error("interrupted")));
        try {
          const common = {
            repo,
            revision: flags.revision,
            config,
            onProgress: progress.listener,
            signal: controller.signal,
          };
          const files =
            paths.length === 1 && !flags.include
              ? [await downloadFile({ ...common, path: paths[0]! })]
              : (await snapshotDownload({ ...common, paths, include: flags.include ?? [] })).files;
          progress.stop();
          if (flags.json) {
            const out = [];
            for (const f of files)
              out.push({
                repo: repo.name,
                path: f.path,
                commit: f.commit,
                blob: f.blobPath,
                size: f.size,
                sha256: await cachedSha256(f),
              });
            process.stdout.write(`${JSON.stringify({ files: out }, null, 2)}\n`);
          } else for (const f of files) process.stdout.write(`${f.snapshotPath}\n`);
        } finally {
          progress.stop();
        }
      },
    );
};
