import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AccessConfig } from "@aotihub/hub-server";

/** Tokens the fixture's access config knows. @huggingface/hub insists on the `hf_` prefix. */
export const TOKENS = {
  alice: "hf_alice_reads_gated_and_private",
  bob: "hf_bob_has_no_grants",
  writer: "hf_writer_may_publish",
} as const;

export const ACCESS: AccessConfig = {
  tokens: {
    [TOKENS.alice]: { user: "alice" },
    [TOKENS.bob]: { user: "bob" },
    [TOKENS.writer]: { user: "publisher", write: true },
  },
  // the publisher writes to acme's repos as a member of the acme organisation
  orgs: { acme: { members: ["publisher"] } },
  repos: {
    "models/acme/secret": { private: true, readers: ["alice"] },
    "models/acme/gated": { gated: "manual", readers: ["alice"] },
  },
};

/** LFS threshold the fixture servers use, so a 100 KiB file is LFS by size alone. */
export const LFS_THRESHOLD = 64 * 1024;

export interface HubFixture {
  root: string;
  /** Bytes of every file written, by `<type>s/<org>/<name>/<path in repo folder>`. */
  files: Map<string, Buffer>;
  sha256(key: string): string;
}

/**
 * A served root with: a model repo with small files, LFS files (by pattern and by size), nested
 * folders, a `dev` branch and a `v1.0` tag in subfolders; a private and a gated model; a kernel
 * repo with `v1`/`v2` branches holding different trees and `main` = `v2`.
 */
export async function createHubFixture(): Promise<HubFixture> {
  const root = await mkdtemp(join(tmpdir(), "aotihub-serve-"));
  const files = new Map<string, Buffer>();
  const put = async (key: string, content: Buffer | string) => {
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    files.set(key, bytes);
    await mkdir(dirname(join(root, key)), { recursive: true });
    await writeFile(join(root, key), bytes);
  };
  const tiny = "models/acme/tiny";
  await put(`${tiny}/config.json`, '{ "hidden": 16 }\n');
  await put(`${tiny}/README.md`, "# tiny\n");
  await put(`${tiny}/weights/model.safetensors`, randomBytes(200_000));
  await put(`${tiny}/aoti/cpu/b2.pt2`, randomBytes(3_000));
  await put(`${tiny}/data/blob.dat`, randomBytes(100 * 1024));
  await put(`${tiny}/data/empty.txt`, "");
  for (let i = 0; i < 7; i++) await put(`${tiny}/many/file-${i}.txt`, `file ${i}\n`);
  await put(`${tiny}/branches/dev/config.json`, '{ "hidden": 32 }\n');
  await put(`${tiny}/tags/v1.0/config.json`, '{ "hidden": 8 }\n');
  await put(
    `${tiny}/.aotihub-refs.json`,
    JSON.stringify({ branches: { main: ".", dev: "branches/dev" }, tags: { "v1.0": "tags/v1.0" } }),
  );
  await put("models/acme/secret/config.json", '{ "secret": true }\n');
  await put("models/acme/gated/config.json", '{ "gated": true }\n');
  await put("models/acme/gated/weights.safetensors", randomBytes(1000));
  const kernel = "kernels/kernels-community/activation";
  for (const version of ["v1", "v2"]) {
    await put(`${kernel}/${version}/build/torch-cpu/__init__.py`, `VERSION = "${version}"\n`);
    await put(`${kernel}/${version}/build/torch-cpu/_ops.so`, randomBytes(2048));
  }
  await put(`${kernel}/.aotihub-refs.json`, JSON.stringify({ branches: { main: "v2", v1: "v1", v2: "v2" } }));
  return {
    root,
    files,
    sha256: (key) => createHash("sha256").update(files.get(key)!).digest("hex"),
  };
}
