import { readFile } from "node:fs/promises";
import {
  AotihubError,
  type DeviceProfile,
  describeResolution,
  ManifestError,
  NoCompatibleArtifactError,
  parseDeviceProfile,
  parseManifest,
  resolveArtifacts,
} from "@aotihub/registry";
import { Option } from "commander";
import { detectDevice } from "./demo.js";
import type { RegisterCommand } from "./index.js";

interface ResolveFlags {
  manifest?: string;
  device: string;
  profile?: string;
  accelerator?: "cuda" | "cpu";
  json?: boolean;
}

/** Where the manifest comes from; a Hub source (`<ref>`) plugs in beside the file source. */
export type ManifestSource = (flags: ResolveFlags) => Promise<{ json: unknown; source: string }>;

/**
 * `aotihub resolve --manifest <file> [--device auto|<json>|@file] [--profile p[,q]] [--accelerator
 * cuda|cpu] [--json]`: the artifact each bucket would use on the device, and every rejection reason.
 */
export const registerResolve: RegisterCommand = (program) => {
  program
    .command("resolve")
    .description(
      "Show which compiled artifact each bucket would use on a device, and why every other was rejected",
    )
    .option("--manifest <file>", "an aotihub.json manifest on disk")
    .option(
      "--device <device>",
      'the device: "auto" (probe this machine), a JSON DeviceProfile, or @file',
      "auto",
    )
    .option(
      "--profile <profiles>",
      "profile, or profiles tried in order, comma-separated (default: the manifest's order)",
    )
    .addOption(
      new Option("--accelerator <kind>", "cuda or cpu (default: cuda when there is a GPU)").choices([
        "cuda",
        "cpu",
      ]),
    )
    .option("--json", "print the Resolution as JSON")
    .action(async (flags: ResolveFlags) => {
      const { json, source } = await readManifestFile(flags);
      const manifest = parseManifest(json, source);
      const device = await readDevice(flags.device);
      const profile = flags.profile?.split(",").map((p) => p.trim());
      try {
        const resolution = resolveArtifacts(manifest, device, { profile, accelerator: flags.accelerator });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(resolution, null, 2)}\n`
            : `${describeResolution(resolution, device)}\n`,
        );
      } catch (error) {
        if (!(error instanceof NoCompatibleArtifactError) || !flags.json) throw error;
        const { code, message } = error;
        process.stdout.write(
          `${JSON.stringify({ error: { code, message }, device, attempts: error.attempts }, null, 2)}\n`,
        );
        process.exitCode = 2;
      }
    });
};

export const readManifestFile: ManifestSource = async (flags) => {
  if (flags.manifest === undefined) {
    throw new AotihubError("AOTIHUB_USAGE", "aotihub resolve needs a manifest", {
      expected: "--manifest <path to aotihub.json>",
      received: "no --manifest",
      hint: "aotihub resolve --manifest docs/examples/flux-dit/aotihub.json",
    });
  }
  return {
    json: parseJson(await readText(flags.manifest, "manifest"), flags.manifest),
    source: flags.manifest,
  };
};

async function readDevice(value: string): Promise<DeviceProfile> {
  if (value === "auto") return detectDevice();
  const text = value.startsWith("@") ? await readText(value.slice(1), "device profile") : value;
  try {
    return parseDeviceProfile(JSON.parse(text));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AotihubError("AOTIHUB_DEVICE_INVALID", "--device is not JSON", {
      expected:
        '"auto", a JSON DeviceProfile such as {"os":"linux","machine":"x86_64","cuda":null}, or @file',
      received: text.slice(0, 200),
      hint: error.message,
    });
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new AotihubError("AOTIHUB_FILE_UNREADABLE", `Cannot read the ${what} ${path}`, {
      received: (error as Error).message,
      hint: "check the path",
      cause: error,
    });
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ManifestError(
      "manifest",
      [{ path: [], message: `not JSON: ${(error as Error).message}` }],
      source,
    );
  }
}
