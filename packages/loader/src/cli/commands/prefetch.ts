import { readFile } from "node:fs/promises";
import * as native from "@aotihub/native";
import { AotihubError, type DeviceProfile, parseDeviceProfile } from "@aotihub/registry";
import { readHubConfig } from "../../config/hub-config.js";
import { prefetch } from "../../prefetch/prefetch.js";
import { createCliProgress } from "../../progress/cli-progress-reporter.js";
import type { RegisterCommand } from "./index.js";

/** `--device auto` probes this machine; anything else is a DeviceProfile as JSON text or a file. */
async function deviceFrom(option: string): Promise<DeviceProfile> {
  if (option === "auto") {
    const probe = (native as unknown as { probeDevice?: () => Promise<DeviceProfile> }).probeDevice;
    if (probe === undefined)
      throw new AotihubError(
        "AOTIHUB_NO_DEVICE_PROBE",
        "this build of @aotihub/native cannot probe the device",
        {
          expected: "probeDevice() in @aotihub/native",
          received: "no such export",
          hint: "pass --device '<DeviceProfile JSON>' or --all-variants",
        },
      );
    return probe();
  }
  const text = option.trim().startsWith("{") ? option : await readFile(option, "utf8");
  return parseDeviceProfile(JSON.parse(text));
}

/** `aotihub prefetch <ref...>`: what this (or the given) device needs, into the cache. */
export const registerPrefetch: RegisterCommand = (program) => {
  program
    .command("prefetch")
    .description(
      "Download the compiled artifacts, weights and kernel builds a device needs into the Hugging Face cache",
    )
    .argument("<ref...>", "org/name[:profile][@revision]")
    .option("--device <device>", "auto, a DeviceProfile as JSON, or a JSON file", "auto")
    .option("--all-variants", "everything in the manifest and every kernel build (image builds)")
    .option("--json", "print { files: [{ repo, path, commit, blob, size, sha256 }] }")
    .action(async (refs: string[], flags: { device: string; allVariants?: boolean; json?: boolean }) => {
      const device = flags.allVariants ? undefined : await deviceFrom(flags.device);
      const progress = createCliProgress(process.stderr, process.stderr.isTTY === true && !flags.json);
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort(new Error("interrupted")));
      try {
        const result = await prefetch({
          refs,
          device,
          allVariants: flags.allVariants === true,
          config: readHubConfig(),
          onProgress: progress.listener,
          signal: controller.signal,
        });
        progress.stop();
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else
          for (const f of result.files)
            process.stdout.write(`${f.repo}/${f.path} ${(f.size / 1048576).toFixed(1)} MiB\n`);
      } finally {
        progress.stop();
      }
    });
};
