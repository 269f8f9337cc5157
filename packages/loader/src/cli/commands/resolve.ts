import { readFile } from "node:fs/promises";
import {
  AotihubError,
  describeResolution,
  ManifestError,
  NoCompatibleArtifactError,
  parseManifest,
  resolveArtifacts,
} from "@aotihub/registry";
import { Option } from "commander";
import { HubClient } from "../../hub/hub-client.js";
import { readHubConfig } from "../../hub-config/hub-config.js";
import { planModelLoad } from "../../model-files/plan-model-load.js";
import { loadProjectConfig } from "../../project-config/load-project-config.js";
import { requestedRuntime } from "../../runtime/requested-runtime.js";
import { DEVICE_OPTION_HELP, readDeviceOption } from "../device-option.js";
import { runtimeOption } from "../runtime-option.js";
import type { RegisterCommand } from "./index.js";

interface ResolveFlags {
  manifest?: string;
  device: string;
  profile?: string;
  accelerator?: "cuda" | "cpu";
  runtime?: string;
  json?: boolean;
}

/** Where the manifest comes from: a file (`--manifest`) or the Hub (`<ref>`). */
interface ManifestText {
  json: unknown;
  source: string;
  /** Profiles the ref names (`:fp8`, or an alias's list). */
  profiles?: string[] | undefined;
}

/**
 * `aotihub resolve --manifest <file> [--device auto|<json>|@file] [--profile p[,q]] [--accelerator
 * cuda|cpu] [--runtime auto|libtorch|standalone] [--json]`: the artifact each bucket would use on the device, and every rejection reason.
 */
export const registerResolve: RegisterCommand = (program) => {
  program
    .command("resolve")
    .description(
      "Show which compiled artifact each bucket would use on a device, and why every other was rejected",
    )
    .argument("[ref]", "a model on the Hub: alias or org/name[:profile][@revision]")
    .option("--manifest <file>", "an aotihub.json manifest on disk instead of a ref")
    .option("--device <device>", `the device: ${DEVICE_OPTION_HELP}`, "auto")
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
    .addOption(runtimeOption())
    .option("--json", "print the Resolution as JSON")
    .action(async (ref: string | undefined, flags: ResolveFlags) => {
      const { json, source, profiles } =
        ref === undefined ? await readManifestFile(flags) : await readManifestFromHub(ref);
      const manifest = parseManifest(json, source);
      const device = await readDeviceOption(flags.device);
      const profile = flags.profile?.split(",").map((p) => p.trim()) ?? profiles;
      const runtime = requestedRuntime({
        option: flags.runtime,
        config: loadProjectConfig().config.defaults.runtime,
      });
      try {
        const resolution = resolveArtifacts(manifest, device, {
          profile,
          accelerator: flags.accelerator,
          ...(runtime !== undefined && { runtime }),
        });
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

/** The manifest of a Hub model, read through the cache like `loadCompiled` reads it (lockfile honoured). */
async function readManifestFromHub(ref: string): Promise<ManifestText> {
  const hub = readHubConfig();
  const plan = await planModelLoad({
    ref,
    project: loadProjectConfig(),
    hub,
    client: hub.offline ? undefined : new HubClient({ config: hub }),
  });
  return {
    json: JSON.parse(await readFile(plan.manifestFile.snapshotPath, "utf8")),
    source: `${plan.name.repo}@${plan.manifestFile.commit}`,
    profiles: plan.profiles.length > 0 ? plan.profiles : undefined,
  };
}

async function readManifestFile(flags: ResolveFlags): Promise<ManifestText> {
  if (flags.manifest === undefined) {
    throw new AotihubError("AOTIHUB_USAGE", "aotihub resolve needs a manifest", {
      expected: "a <ref> (org/name or alias), or --manifest <path to aotihub.json>",
      received: "neither",
      hint: "aotihub resolve --manifest docs/examples/flux-dit/aotihub.json",
    });
  }
  return {
    json: parseJson(await readText(flags.manifest, "manifest"), flags.manifest),
    source: flags.manifest,
  };
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
