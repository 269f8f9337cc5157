// One file of a test Hub's repo, served for the whole test file, a fresh Hugging Face cache for each
// test, and downloadFile of that file into it: the set-up of the download tests that plant partial
// files and journals in the cache.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import {
  createHubDispatcher,
  type DownloadTuning,
  downloadFile,
  HubClient,
  parseRepoId,
} from "@aotihub/loader";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { REPO, writeServedRepo } from "./served-repo.js";

export const SERVED_PATH = "weights/model.safetensors";

export interface ServedFile {
  /** This test's cache folder (HF_HUB_CACHE and HF_HOME at once). */
  readonly cacheDir: string;
  download(tuning?: DownloadTuning): ReturnType<typeof downloadFile>;
}

/** Registers the hooks; read `cacheDir` and call `download` inside tests only. */
export function serveFile(bytes: Buffer, cachePrefix: string): ServedFile {
  let hub: TestHubServer;
  let root: string;
  let cacheDir: string;
  beforeAll(async () => {
    root = await writeServedRepo({ [SERVED_PATH]: bytes });
    hub = await startTestHubServer({ root });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), cachePrefix));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));
  return {
    get cacheDir() {
      return cacheDir;
    },
    download(tuning = {}) {
      const config = { endpoint: hub.url, token: undefined, hfHome: cacheDir, cacheDir, offline: false };
      return downloadFile({
        repo: parseRepoId(REPO),
        path: SERVED_PATH,
        config,
        client: new HubClient({ config, dispatcher: createHubDispatcher() }),
        ...tuning,
      });
    },
  };
}
