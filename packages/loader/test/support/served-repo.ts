// Builds the folder a test Hub (@aotihub/hub-server/testing) serves: one model repo whose files the
// test names, and the ids a client must end up with, computed here independently of the server.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const REPO = "acme/tiny";

/** Writes `files` (path in repo -> bytes) under `<root>/models/acme/tiny/`; returns the root. */
export async function writeServedRepo(files: Record<string, Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "aotihub-served-"));
  for (const [path, bytes] of Object.entries(files)) {
    const full = join(root, "models", REPO, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, bytes);
  }
  await mkdir(join(root, "models", REPO), { recursive: true });
  return root;
}

export const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The git blob id, what the Hub gives a non-LFS file as its ETag. */
export const gitBlobIdOf = (bytes: Buffer) =>
  createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

/** The commit `main` points at, as the Hub's API says. */
export async function mainCommit(endpoint: string, repo = REPO): Promise<string> {
  const response = await fetch(`${endpoint}/api/models/${repo}/revision/main`);
  if (!response.ok) throw new Error(`revision/main answered ${response.status}`);
  return ((await response.json()) as { sha: string }).sha;
}
