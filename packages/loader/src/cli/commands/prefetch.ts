import path from "node:path";
import { readHubConfig } from "../../hub-config/hub-config.js";
import { emptyLockfile, readLockfile, writeLockfile } from "../../lockfile/read-write-lockfile.js";
import { pinPrefetched } from "../../prefetch/pin-prefetched.js";
import { prefetch } from "../../prefetch/prefetch.js";
import { loadProjectConfig } from "../../project-config/load-project-config.js";
import { requestedRuntime } from "../../runtime/requested-runtime.js";
import { createCliProgress } from "../cli-progress.js";
import { DEVICE_OPTION_HELP, readDevicesOption } from "../device-option.js";
import { runtimeOption } from "../runtime-option.js";
import type { RegisterCommand } from "./index.js";

interface PrefetchFlags {
  device: string;
  allVariants?: boolean;
  json?: boolean;
  lock?: boolean;
  runtime?: string;
}

/** `aotihub prefetch <ref...>`: what this (or the given) device needs, into the cache. */
export const registerPrefetch: RegisterCommand = (program) => {
  program
    .command("prefetch")
    .description(
      "Download the compiled artifacts, weights and kernel builds a device needs into the Hugging Face cache",
    )
    .argument("<ref...>", "alias or org/name[:profile][@revision]")
    .option("--device <device>", `${DEVICE_OPTION_HELP}; "auto" covers every GPU of this machine`, "auto")
    .option("--all-variants", "everything in the manifest and every kernel build (image builds)")
    .addOption(runtimeOption())
    .option("--lock", "pin what was fetched in aotihub.lock (every target of the fetched profiles)")
    .option("--json", "print { files: [{ repo, path, commit, blob, size, sha256 }] }")
    .action(async (refs: string[], flags: PrefetchFlags) => {
      const devices = flags.allVariants ? [] : await readDevicesOption(flags.device);
      const project = loadProjectConfig();
      const hub = readHubConfig();
      const progress = createCliProgress(process.stderr, process.stderr.isTTY === true && !flags.json);
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort(new Error("interrupted")));
      try {
        const result = await prefetch({
          refs,
          devices,
          allVariants: flags.allVariants === true,
          runtime: requestedRuntime({ option: flags.runtime, config: project.config.defaults.runtime }),
          project,
          // --lock pins anew: resolve each ref's revision instead of honouring its current pin.
          ...(flags.lock ? { lockfile: false as const } : {}),
          config: hub,
          onProgress: progress.listener,
          signal: controller.signal,
        });
        progress.stop();
        if (flags.lock) {
          const file = path.resolve(project.dir, project.config.lockfile);
          const lock = readLockfile(file) ?? emptyLockfile();
          for (const model of result.models)
            lock.models[model.plan.name.ref] = await pinPrefetched(model, hub);
          writeLockfile(file, lock);
          process.stderr.write(`aotihub: pinned ${result.models.length} model(s) in ${file}\n`);
        }
        if (flags.json) process.stdout.write(`${JSON.stringify({ files: result.files }, null, 2)}\n`);
        else
          for (const f of result.files)
            process.stdout.write(`${f.repo}/${f.path} ${(f.size / 1048576).toFixed(1)} MiB\n`);
      } finally {
        progress.stop();
      }
    });
};
