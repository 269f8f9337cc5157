import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the Hub is and where its cache lives, read the way Python's huggingface_hub reads them. */
export interface HubConfig {
  /** Base URL of the Hub, without a trailing slash (HF_ENDPOINT). */
  endpoint: string;
  /** Access token (HF_TOKEN, then `$HF_HOME/token`); never printed, only sent to `endpoint`. */
  token: string | undefined;
  /** HF_HOME. */
  hfHome: string;
  /** HF_HUB_CACHE: the folder holding `models--org--name/` and friends. */
  cacheDir: string;
  /** HF_HUB_OFFLINE: never touch the network, answer from the cache only. */
  offline: boolean;
  /**
   * AOTIHUB_CACHE_READ_ONLY: the cache is shared and read-only here (a read-only volume, an NFS
   * export many pods read): read it with no lock and no write; a download that would be needed is a
   * typed error. Our name: huggingface_hub has no such switch (it skips writes when the file is
   * already linked, and fails with a bare OSError otherwise).
   */
  readOnlyCache?: boolean;
}

export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Same truthy spellings as huggingface_hub's `_is_true`. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.toUpperCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * A path as huggingface_hub's constants.py reads it: `os.path.expandvars(os.path.expanduser(p))`,
 * so `HF_HOME=~/hf` and `HF_TOKEN_PATH=$XDG_CONFIG_HOME/hf/token` mean what they mean in Python.
 */
function expandPath(path: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME ?? homedir();
  const expanded = path === "~" || path.startsWith("~/") ? home + path.slice(1) : path;
  // POSIX expandvars: $name and ${name} of a set variable are replaced, anything else stays
  return expanded.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const value = env[name.startsWith("{") ? name.slice(1, -1) : name];
    return value === undefined ? whole : value;
  });
}

function pathFrom(value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const set = nonEmpty(value);
  return set === undefined ? undefined : expandPath(set, env);
}

/**
 * Reads the Hub settings from the environment with huggingface_hub 1.x's rules (constants.py and
 * utils/_auth.py): HF_HOME (else $XDG_CACHE_HOME/huggingface), HF_HUB_CACHE (else the legacy
 * HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub), HF_ENDPOINT, HF_TOKEN (else the legacy
 * HUGGING_FACE_HUB_TOKEN, else the file at HF_TOKEN_PATH, default $HF_HOME/token), and
 * HF_HUB_OFFLINE (else TRANSFORMERS_OFFLINE). Unlike Python, an empty variable counts as unset.
 */
export function readHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const xdgCache = pathFrom(env.XDG_CACHE_HOME, env) ?? join(env.HOME ?? homedir(), ".cache");
  const hfHome = pathFrom(env.HF_HOME, env) ?? join(xdgCache, "huggingface");
  const cacheDir =
    pathFrom(env.HF_HUB_CACHE, env) ?? pathFrom(env.HUGGINGFACE_HUB_CACHE, env) ?? join(hfHome, "hub");
  const endpoint = (nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const tokenPath = pathFrom(env.HF_TOKEN_PATH, env) ?? join(hfHome, "token");
  return {
    endpoint,
    token: cleanToken(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN) ?? readTokenFile(tokenPath),
    hfHome,
    cacheDir,
    // Python reads `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`: a set HF_HUB_OFFLINE ("0") decides alone
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
    readOnlyCache: isTrue(env.AOTIHUB_CACHE_READ_ONLY),
  };
}

/** huggingface_hub's `_clean_token`: line breaks removed anywhere, spaces trimmed, empty is none. */
function cleanToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return token.replace(/[\r\n]/g, "").trim() || undefined;
}

function readTokenFile(path: string): string | undefined {
  try {
    return cleanToken(readFileSync(path, "utf8"));
  } catch {
    return undefined; // no token file is the normal case for public repos
  }
}
