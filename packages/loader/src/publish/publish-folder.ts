import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AotihubError } from "@aotihub/registry";
import type { HubConfig } from "../hub-config/hub-config.js";
import { checkConventionFolder } from "./check-convention-folder.js";

export interface PublishParams {
  dir: string;
  repo: string;
  hub: HubConfig;
  branch?: string;
  message?: string;
  /** Create the repo first when it does not exist. */
  create?: boolean;
  private?: boolean;
  signal?: AbortSignal;
}

/**
 * Uploads a convention folder to a Hub repo in one commit, after checking it against its manifest.
 * Uses @huggingface/hub's commit API (which picks Xet or classic LFS as the Hub offers).
 */
export async function publishFolder(params: PublishParams): Promise<{ commit: string; files: string[] }> {
  const manifest = await checkConventionFolder(params.dir);
  if (!params.hub.token) {
    throw new AotihubError("AOTIHUB_PUBLISH_NO_TOKEN", `Publishing to ${params.repo} needs a write token.`, {
      expected: "HF_TOKEN (or $HF_HOME/token) with write access",
      received: "no token",
      hint: "set HF_TOKEN=hf_... (a token with write permission)",
    });
  }
  // @huggingface/hub (and its hashing wasm) only for publishing, not with every import of the loader
  const { createRepo, uploadFiles } = await import("@huggingface/hub");
  const credentials = { accessToken: params.hub.token, hubUrl: params.hub.endpoint };
  const repo = { type: "model" as const, name: params.repo };
  if (params.create) {
    await createRepo({
      ...credentials,
      repo,
      ...(params.private ? { visibility: "private" as const } : {}),
    }).catch((error: Error) => {
      if (!/already exists|409|conflict/i.test(error.message)) throw error;
    });
  }
  const files = await listFolder(params.dir);
  const output = await uploadFiles({
    ...credentials,
    repo,
    files: files.map((rel) => ({ path: rel, content: pathToFileURL(path.join(params.dir, rel)) })),
    commitTitle:
      params.message ?? `Publish ${manifest.name} (${manifest.artifacts.length} artifacts) with aotihub`,
    ...(params.branch ? { branch: params.branch } : {}),
    ...(params.signal ? { abortSignal: params.signal } : {}),
  });
  return { commit: output?.commit.oid ?? "", files };
}

/** Every file of the folder, relative, in a stable order; hidden files and folders are left out. */
async function listFolder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter((rel) => !rel.split("/").some((part) => part.startsWith(".")))
    .sort();
}
