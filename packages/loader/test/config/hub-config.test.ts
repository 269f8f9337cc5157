import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readHubConfig } from "@aotihub/loader";
import { beforeAll, describe, expect, it } from "vitest";
import { testPython } from "../../../../test/support/python.js";

// readHubConfig must read the environment as Python's huggingface_hub does, so that both share one
// cache, one token and one offline switch. The judge is huggingface_hub itself (constants.py and
// get_token()), run over the same environments.

const judge = fileURLToPath(new URL("./read_hub_config.py", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "aotihub-hubconfig-"));
const hfHome = join(home, "hf");
const elsewhere = join(home, "elsewhere");

/** Every case runs with only these variables (and PATH): nothing of the machine's own HF_* leaks in. */
const CASES: Record<string, Record<string, string>> = {
  "defaults under HOME": {},
  "XDG_CACHE_HOME moves HF_HOME": { XDG_CACHE_HOME: join(home, "xdg") },
  "HF_HOME with its token file": { HF_HOME: hfHome },
  "HF_HOME written with ~": { HF_HOME: "~/hf" },
  "HF_TOKEN_PATH names another token file": { HF_HOME: hfHome, HF_TOKEN_PATH: join(elsewhere, "token") },
  "HF_TOKEN_PATH with $VAR": { HF_HOME: hfHome, ELSEWHERE: elsewhere, HF_TOKEN_PATH: "$ELSEWHERE/token" },
  "HF_TOKEN wins over the file, cleaned of line breaks": {
    HF_HOME: hfHome,
    HF_TOKEN: " hf_env\r\n_token \n",
  },
  "legacy HUGGING_FACE_HUB_TOKEN": { HF_HOME: hfHome, HUGGING_FACE_HUB_TOKEN: "hf_legacy" },
  "HF_TOKEN of spaces falls back to the file": { HF_HOME: hfHome, HF_TOKEN: "   " },
  "HF_HUB_CACHE and HF_ENDPOINT with a trailing slash": {
    HF_HUB_CACHE: join(home, "cache"),
    HF_ENDPOINT: "http://127.0.0.1:9/",
  },
  "legacy HUGGINGFACE_HUB_CACHE": { HUGGINGFACE_HUB_CACHE: join(home, "legacy-cache") },
  "HF_HUB_OFFLINE=1": { HF_HUB_OFFLINE: "1" },
  "HF_HUB_OFFLINE=yes": { HF_HUB_OFFLINE: "yes" },
  "HF_HUB_OFFLINE=On": { HF_HUB_OFFLINE: "On" },
  "HF_HUB_OFFLINE=0": { HF_HUB_OFFLINE: "0" },
  "TRANSFORMERS_OFFLINE=1": { TRANSFORMERS_OFFLINE: "1" },
  "TRANSFORMERS_OFFLINE=true": { TRANSFORMERS_OFFLINE: "true" },
  "HF_HUB_OFFLINE=0 decides over TRANSFORMERS_OFFLINE=1": { HF_HUB_OFFLINE: "0", TRANSFORMERS_OFFLINE: "1" },
};

function caseEnv(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, HF_HUB_DISABLE_TELEMETRY: "1", ...vars };
}

interface Judged {
  endpoint: string;
  hfHome: string;
  cacheDir: string;
  offline: boolean;
  token: string | null;
}
let python: Judged[];

beforeAll(() => {
  mkdirSync(hfHome, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(hfHome, "token"), "  hf_home_token\n");
  writeFileSync(join(elsewhere, "token"), "hf_elsewhere_token");
  const stdout = execFileSync(testPython(), [judge], {
    input: JSON.stringify(Object.values(CASES).map(caseEnv)),
    encoding: "utf8",
  });
  python = JSON.parse(stdout) as Judged[];
});

describe("readHubConfig reads the environment as huggingface_hub 1.x does", () => {
  Object.entries(CASES).forEach(([name, vars], i) => {
    it(name, () => {
      // readOnlyCache is ours alone (AOTIHUB_CACHE_READ_ONLY): huggingface_hub has no such setting.
      const { readOnlyCache, ...ours } = readHubConfig(caseEnv(vars));
      const theirs = python[i]!;
      expect(readOnlyCache).toBe(false);
      expect({ ...ours, token: ours.token ?? null }).toEqual(theirs);
    });
  });

  it("the cases cover every variable and outcome documented in the README", () => {
    const got = python.map((p) => [p.offline, p.token]);
    expect(got.filter(([offline]) => offline)).toHaveLength(5);
    expect(new Set(python.map((p) => p.token))).toEqual(
      new Set([null, "hf_home_token", "hf_elsewhere_token", "hf_env_token", "hf_legacy"]),
    );
  });
});
