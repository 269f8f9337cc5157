import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DeviceProfile,
  describeDevice,
  describeResolution,
  isAotihubError,
  NoCompatibleArtifactError,
  normalizeMachine,
  normalizeOs,
  parseIndex,
  parseManifest,
  resolveArtifacts,
} from "@aotihub/registry";
import type { RegisterCommand } from "./index.js";

/** The example manifests shipped in the repo (docs/examples), from src/ or dist/ alike. */
const EXAMPLES = fileURLToPath(new URL("../../../../../docs/examples/", import.meta.url));

/**
 * `aotihub demo` (interim, until the real demo runs a model): resolves every example manifest for
 * this machine and prints the choice and the reasons per bucket. Always exits 0 when the examples
 * are readable: "nothing runs here" is an answer, printed with its reasons.
 */
export const registerDemo: RegisterCommand = (program) => {
  program
    .command("demo")
    .description("Resolve the bundled example manifests (docs/examples) for this machine, with every reason")
    .option("--examples <dir>", "folder of example manifests", EXAMPLES)
    .action(async (flags: { examples: string }) => {
      const device = await detectDevice();
      const out: string[] = [`aotihub demo: which compiled artifact each example model would use here`, ""];
      for (const file of await findJsonFiles(flags.examples)) {
        const name = relative(flags.examples, file);
        const json: unknown = JSON.parse(await readFile(file, "utf8"));
        out.push(`== ${name}`);
        if (isIndex(json)) {
          for (const [alias, target] of Object.entries(parseIndex(json, name).aliases)) {
            out.push(
              `  alias ${alias} -> ${target.repo}${target.profile ? `:${target.profile}` : ""}@${target.revision ?? "main"}`,
            );
          }
        } else {
          out.push(resolveForDemo(parseManifest(json, name), device));
        }
        out.push("");
      }
      process.stdout.write(`${out.join("\n")}\n`);
    });
};

function resolveForDemo(manifest: ReturnType<typeof parseManifest>, device: DeviceProfile): string {
  try {
    return describeResolution(resolveArtifacts(manifest, device), device);
  } catch (error) {
    if (!(error instanceof NoCompatibleArtifactError)) throw error;
    return [
      `no artifact of ${manifest.name} runs on this machine:`,
      ...error.attempts.map((a) => describeResolution(a, device)),
    ].join("\n");
  }
}

/**
 * This machine's profile from `probeDevice()` (CUDA driver, CPU ISA, torch). If the native addon
 * cannot load, falls back to what Node knows (OS and machine, no GPU, no torch) and says so.
 */
export async function detectDevice(): Promise<DeviceProfile> {
  try {
    const native = await import("@aotihub/native");
    return await native.probeDevice();
  } catch (error) {
    const why =
      isAotihubError(error) || error instanceof Error ? error.message.split("\n")[0] : String(error);
    const fallback: DeviceProfile = {
      os: normalizeOs(process.platform),
      machine: normalizeMachine(process.arch),
      cuda: null,
      torch: null,
    };
    process.stderr.write(
      `aotihub: could not probe this machine (${why}); assuming ${describeDevice(fallback)}\n`,
    );
    return fallback;
  }
}

async function findJsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".json"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function isIndex(json: unknown): boolean {
  const format = (json as { format?: unknown } | null)?.format;
  return typeof format === "string" && format.startsWith("aotihub-index/");
}
