import { createHash, randomBytes } from "node:crypto";
import { chmod, type FileHandle, mkdir, mkdtemp, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ModelLoadError } from "../../errors/native-errors.js";
import { baseName } from "./find-model-files.js";
import { hashEntry } from "./hash-entry.js";
import { holdsExtractedFiles } from "./holds-extracted-files.js";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import type { Pt2Entry, Pt2Package } from "./types.js";

export interface ExtractPt2ModelOptions {
  /** Folder holding one content-addressed sub-folder per distinct set of model files. */
  cacheDir: string;
}

export interface ExtractedPt2Model {
  /** The model's `.so`, a real file as `dlopen` needs. */
  soPath: string;
  /** The folder holding the `.so` and every cubin: pass it to the model as `cubin_dir`. */
  cubinDir: string;
  /** sha256 over the names, sizes and sha256 of the files: the folder's name. */
  key: string;
}

/**
 * Puts a model's `.so` and cubins in `<cacheDir>/<key>/`, where the key hashes their contents, so
 * packages sharing a compiled library share one copy and a folder is never half-written: files are
 * copied (and hashed while copied) into a temporary folder that is renamed into place. A folder
 * already there is reused without copying; concurrent extractions race safely on the rename.
 */
export async function extractPt2Model(
  pkg: Pt2Package,
  modelName: string,
  options: ExtractPt2ModelOptions,
): Promise<ExtractedPt2Model> {
  const model = Object.hasOwn(pkg.models, modelName) ? pkg.models[modelName] : undefined;
  if (model === undefined) {
    throw new ModelLoadError("AOTIHUB_PT2_MODEL_NOT_FOUND", `No model "${modelName}" in ${pkg.path}.`, {
      expected: `one of the package's models`,
      received: Object.keys(pkg.models).join(", ") || "no models",
      hint: "pass one of the names listed (AOTInductor names the model `model` by default)",
    });
  }
  const files = [model.wrapperSo, ...model.cubins];
  const source = await open(pkg.path, "r");
  try {
    const { size } = await source.stat();
    if (size !== pkg.size) {
      throw new Pt2InvalidError(pkg.path, "the package changed since it was read", {
        expected: `${pkg.size} bytes`,
        received: `${size} bytes`,
        hint: "read it again with readPt2 (it may have been replaced by a download in progress)",
      });
    }
    const digests: string[] = [];
    for (const file of files) digests.push(await hashEntry(source, file, pkg.path));
    const key = contentKey(files, digests);
    const cubinDir = join(options.cacheDir, key);
    const soPath = join(cubinDir, baseName(model.wrapperSo.name));

    if (await holdsExtractedFiles(cubinDir, files, digests)) return { soPath, cubinDir, key };
    await mkdir(options.cacheDir, { recursive: true });
    if (await pathExists(cubinDir)) await discard(cubinDir, options.cacheDir); // damaged or altered: replace it

    const staging = await mkdtemp(join(options.cacheDir, `.tmp-${key.slice(0, 12)}-`));
    try {
      await chmod(staging, 0o755); // mkdtemp makes it private; the cache may be shared
      for (const [i, file] of files.entries()) {
        await copyVerified(source, file, digests[i]!, join(staging, baseName(file.name)), pkg.path);
      }
      try {
        await rename(staging, cubinDir);
      } catch (error) {
        // Another process renamed the same content into place first: use theirs.
        if (!isCode(error, "ENOTEMPTY", "EEXIST") || !(await holdsExtractedFiles(cubinDir, files, digests)))
          throw error;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return { soPath, cubinDir, key };
  } finally {
    await source.close();
  }
}

function contentKey(files: readonly Pt2Entry[], digests: readonly string[]): string {
  const hash = createHash("sha256");
  files.forEach((file, i) => {
    hash.update(`${digests[i]} ${file.size} ${baseName(file.name)}\n`);
  });
  return hash.digest("hex");
}

async function copyVerified(
  source: FileHandle,
  file: Pt2Entry,
  digest: string,
  target: string,
  path: string,
) {
  const sink = await open(target, "wx", file.name.endsWith(".so") ? 0o555 : 0o444);
  try {
    const copied = await hashEntry(source, file, path, sink);
    if (copied !== digest) {
      throw new Pt2InvalidError(path, "an entry changed while it was copied", {
        entry: file.name,
        expected: `sha256 ${digest}`,
        received: `sha256 ${copied}`,
        hint: "something is rewriting the package; wait for it to finish and try again",
      });
    }
    await sink.sync();
  } finally {
    await sink.close();
  }
}

async function pathExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** Moves a damaged folder aside before deleting it, so no reader sees it half-deleted. */
async function discard(dir: string, cacheDir: string): Promise<void> {
  const trash = join(cacheDir, `.trash-${randomBytes(6).toString("hex")}`);
  await rename(dir, trash);
  await rm(trash, { recursive: true, force: true });
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as { code?: unknown } | null)?.code as string);
}
