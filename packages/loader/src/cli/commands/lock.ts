import path from "node:path";
import { readHubConfig } from "../../hub-config/hub-config.js";
import { emptyLockfile, readLockfile, writeLockfile } from "../../lockfile/read-write-lockfile.js";
import { pinPrefetched } from "../../prefetch/pin-prefetched.js";
import { prefetch } from "../../prefetch/prefetch.js";
import { loadProjectConfig } from "../../project-config/load-project-config.js";
import { requestedRuntime } from "../../runtime/requested-runtime.js";
import { DEVICE_OPTION_HELP, readDevicesOption } from "../device-option.js";
import { runtimeOption } from "../runtime-option.js";
import type { RegisterCommand } from "./index.js";

interface LockFlags {
  device: string;
  allVariants?: boolean;
  runtime?: string;
  json?: boolean;
}

/**
 * `aotihub lock <ref...>`: resolve each ref anew (ignoring the current pins), fetch what the
 * device needs, and pin the commit, the manifest, every target of the chosen profile and its
 * weights in aotihub.lock.
 */
export const registerLock: RegisterCommand = (program) => {
  program
    .command("lock")
    .description(
      "Pin models (commit, manifest, artifacts of every target, weights, kernel builds) in aotihub.lock",
    )
    .argument("<ref...>", "alias or org/name[:profile][@revision]")
    .option("--device <device>", `${DEVICE_OPTION_HELP}; picks the profile to pin`, "auto")
    .option("--all-variants", "pin every profile of the manifest (downloads everything)")
    .addOption(runtimeOption())
    .option("--json", "print the entries written")
    .action(async (refs: string[], flags: LockFlags) => {
      const project = loadProjectConfig();
      const hub = readHubConfig();
      const result = await prefetch({
        refs,
        devices: flags.allVariants ? [] : await readDevicesOption(flags.device),
        allVariants: flags.allVariants === true,
        runtime: requestedRuntime({ option: flags.runtime, config: project.config.defaults.runtime }),
        project,
        lockfile: false,
        config: hub,
      });
      const file = path.resolve(project.dir, project.config.lockfile);
      const lock = readLockfile(file) ?? emptyLockfile();
      const written: Record<string, unknown> = {};
      for (const model of result.models) {
        const entry = await pinPrefetched(model, hub);
        lock.models[model.plan.name.ref] = entry;
        written[model.plan.name.ref] = entry;
      }
      writeLockfile(file, lock);
      if (flags.json) process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else
        for (const model of result.models)
          process.stdout.write(
            `locked ${model.plan.name.ref} -> ${model.plan.name.repo}@${model.plan.manifestFile.commit} (${model.profiles.join(", ")}) in ${file}\n`,
          );
    });
};
