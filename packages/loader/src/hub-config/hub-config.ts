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

export function readHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const xdgCache = nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), ".cache");
  const hfHome = nonEmpty(env.HF_HOME) ?? join(xdgCache, "huggingface");
  const cacheDir = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE) ?? join(hfHome, "hub");
  const endpoint = (nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
  return {
    endpoint,
    token: nonEmpty(env.HF_TOKEN) ?? readTokenFile(nonEmpty(env.HF_TOKEN_PATH) ?? join(hfHome, "token")),
    hfHome,
    cacheDir,
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    readOnlyCache: isTrue(env.AOTIHUB_CACHE_READ_ONLY),
  };
}

function readTokenFile(path: string): string | undefined {
  try {
    return nonEmpty(readFileSync(path, "utf8"));
  } catch {
    return undefined; // no token file is the normal case for public repos
  }
}
