import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { AotihubError } from "@aotihub/registry";
import { assertOwnedFile } from "./assert-owned-file.js";
import { type ProjectConfig, projectConfigSchema } from "./project-config-schema.js";

export const PROJECT_CONFIG_FILE = "aotihub.config.json";

export interface LoadedProjectConfig {
  config: ProjectConfig;
  /** The file it came from; null when none was found and the defaults apply. */
  file: string | null;
  /** The folder relative paths in the config are taken from. */
  dir: string;
}

/**
 * Finds and validates the project config: an explicit path, then AOTIHUB_CONFIG, then the nearest
 * `aotihub.config.json` from `cwd` upwards, no further than the repository root (a folder holding
 * `.git`) or the home folder. No file is fine (all defaults); a bad file, or one that someone else
 * could have written, is an error.
 */
export function loadProjectConfig(opts: { configPath?: string; cwd?: string } = {}): LoadedProjectConfig {
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? process.env.AOTIHUB_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : findUp(cwd);
  if (!file) return { config: projectConfigSchema.parse({}), file: null, dir: cwd };
  if (!existsSync(file)) {
    throw new AotihubError("AOTIHUB_CONFIG_NOT_FOUND", `The config file ${file} does not exist.`, {
      hint: `create it, or unset AOTIHUB_CONFIG to search for ${PROJECT_CONFIG_FILE} from the working directory`,
    });
  }
  assertOwnedFile(file, "the project config");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new AotihubError("AOTIHUB_CONFIG_INVALID", `${file} is not valid JSON.`, {
      received: (cause as Error).message,
      hint: "fix the JSON syntax",
      cause,
    });
  }
  const parsed = projectConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `$.${i.path.join(".")}: ${i.message}`).join("; ");
    throw new AotihubError("AOTIHUB_CONFIG_INVALID", `${file} does not match the aotihub config schema.`, {
      expected: "aliases, trustedRepos, index, lockfile, defaults (docs/loadcompiled.md)",
      received: problems,
      hint: "correct the listed fields",
    });
  }
  return { config: parsed.data, file, dir: path.dirname(file) };
}

function findUp(start: string): string | null {
  let dir = path.resolve(start);
  const home = path.resolve(homedir());
  for (;;) {
    const candidate = path.join(dir, PROJECT_CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    // a project ends at its repository root, and nothing above the home folder is the user's
    if (existsSync(path.join(dir, ".git")) || dir === home) return null;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
