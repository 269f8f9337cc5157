import { createHash, randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { AotihubError } from "@aotihub/registry";
import { baseName } from "./find-model-files.js";
import { holdsExtractedFiles } from "./holds-extracted-files.js";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import { type CompiledConstant, readConstantShapes } from "./read-constant-shapes.js";
import { readPt2From } from "./read-pt2.js";
import { hex } from "./read-small-entry.js";
import type { Pt2Entry, Pt2Model, Pt2Package } from "./types.js";

const CHUNK_BYTES = 4 << 20;
const SHA256 = /^[0-9a-f]{64}$/;

export interface VerifyAndExtractOptions {
  /** Folder of private (0700) sub-folders, one per package sha256. */
  cacheDir: string;
  /** The sha256 the package must have (manifest or lockfile); without it, whatever it hashes to. */
  sha256?: string | undefined;
  /** The model to extract (default: the package's only one, or "model"). */
  modelName?: string | undefined;
}

export interface VerifiedPt2 {
  /** The package's table of contents and metadata, read from the descriptor that was hashed. */
  pkg: Pt2Package;
  modelName: string;
  model: Pt2Model;
  /** The package's sha256: the pinned one, now proven. */
  sha256: string;
  /** The extracted `.so`, inside `<cacheDir>/<sha256>/` (0700): the only copy to dlopen. */
  soPath: string;
  /** The folder holding the `.so` and every cubin (`cubin_dir`). */
  cubinDir: string;
  /**
   * The model's custom-op calls (`<hash>.wrapper.json`, read by the proxy executor), copied out of
   * the same verified bytes into the same private folder; null when the model calls none.
   */
  externNodesPath: string | null;
  /** Each constant's shape as compiled, from the verified package; null when it records none. */
  constants: CompiledConstant[] | null;
}

/**
 * Verify-then-use on one file descriptor: the package is opened once, its table of contents read
 * from that descriptor, then every byte of it is read once, in order, to hash the whole file while
 * the model's `.so` and cubins are copied out of the same buffers. Only when the hash is the pinned
 * sha256 (and the file did not change while it was read) does the copy move into a private folder
 * named by that sha256. A package swapped or rewritten after any check is therefore never what is
 * dlopened: what runs is the copy of the bytes that were hashed.
 *
 * Reuse: the identity of the hashed descriptor (device, inode, size, mtime, ctime from fstat) is
 * stamped in the private folder; the next load whose descriptor has that identity skips the hash
 * (its extracted files are still checked against their recorded digests).
 */
export async function verifyAndExtractPt2(
  path: string,
  options: VerifyAndExtractOptions,
): Promise<VerifiedPt2> {
  if (options.sha256 !== undefined && !SHA256.test(options.sha256)) {
    throw new AotihubError("AOTIHUB_PACKAGES_INVALID", `Invalid sha256 for ${path}.`, {
      expected: "64 lowercase hex digits",
      received: JSON.stringify(options.sha256),
    });
  }
  const source = await open(path, "r");
  try {
    const before = await source.stat({ bigint: true });
    if (!before.isFile()) {
      throw new Pt2InvalidError(path, "the package is not a regular file", {
        expected: "a regular file",
        received: "a directory, device or other special file",
      });
    }
    const pkg = await readPt2From(source, path);
    const modelName = options.modelName ?? defaultModelName(pkg);
    const model = Object.hasOwn(pkg.models, modelName) ? pkg.models[modelName] : undefined;
    if (model === undefined) {
      throw new AotihubError("AOTIHUB_PT2_MODEL_NOT_FOUND", `No model "${modelName}" in ${path}.`, {
        expected: "one of the package's models",
        received: Object.keys(pkg.models).join(", ") || "no models",
        hint: "pass one of the names listed (AOTInductor names the model `model` by default)",
      });
    }
    // The library, its cubins and the custom-op call table: everything used later comes from the
    // verified copy, never from the package path again.
    const files = [model.wrapperSo, ...model.cubins, ...(model.wrapperJson ? [model.wrapperJson] : [])];
    const externNodesIn = (cubinDir: string) =>
      model.wrapperJson ? join(cubinDir, baseName(model.wrapperJson.name)) : null;
    await mkdir(options.cacheDir, { recursive: true, mode: 0o700 });

    if (options.sha256 !== undefined) {
      const reused = await reuse(options.cacheDir, options.sha256, modelName, files, identityOf(before));
      if (reused !== null) {
        const constants = await constantsOf(source, model, path);
        return {
          pkg,
          modelName,
          model,
          sha256: options.sha256,
          ...reused,
          externNodesPath: externNodesIn(reused.cubinDir),
          constants,
        };
      }
    }

    const staging = await mkdtemp(join(options.cacheDir, ".tmp-")); // 0700
    try {
      const sinks = await Promise.all(
        files.map((file) =>
          open(join(staging, baseName(file.name)), "wx", file.name.endsWith(".so") ? 0o500 : 0o400),
        ),
      );
      let pass: { sha256: string; digests: string[]; crcs: number[] };
      try {
        pass = await hashWhileCopying(source, Number(before.size), files, sinks, path);
        await Promise.all(sinks.map((sink) => sink.sync()));
      } finally {
        await Promise.all(sinks.map((sink) => sink.close()));
      }
      if (options.sha256 !== undefined && pass.sha256 !== options.sha256) {
        throw new AotihubError(
          "AOTIHUB_SHA256_MISMATCH",
          `${path} does not have the content that was pinned for it.`,
          {
            expected: `sha256 ${options.sha256} (from the manifest or the lockfile)`,
            received: `sha256 ${pass.sha256}`,
            hint: "the file was changed after download; run `aotihub cache verify` and download it again, and check who can write to the cache folder",
          },
        );
      }
      checkCrcs(files, pass.crcs, path);
      const constants = await constantsOf(source, model, path); // before the identity check below
      const after = await source.stat({ bigint: true });
      if (identityOf(after) !== identityOf(before)) {
        throw new Pt2InvalidError(path, "the package changed while it was read", {
          expected: `the file as opened (${identityOf(before)})`,
          received: `a file rewritten in place (${identityOf(after)})`,
          hint: "something is writing the package; wait for it to finish and load again",
        });
      }
      const record = Object.fromEntries(files.map((f, i) => [baseName(f.name), pass.digests[i]!]));
      await writeFile(join(staging, DIGESTS), JSON.stringify(record), { mode: 0o400 });
      const dir = await privateDir(options.cacheDir, pass.sha256);
      const cubinDir = join(dir, modelName);
      await place(staging, cubinDir, options.cacheDir, files, pass.digests);
      await writeFile(join(dir, STAMP), identityOf(before), { mode: 0o600 });
      return {
        pkg,
        modelName,
        model,
        sha256: pass.sha256,
        soPath: join(cubinDir, baseName(model.wrapperSo.name)),
        cubinDir,
        externNodesPath: externNodesIn(cubinDir),
        constants,
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    await source.close();
  }
}

/** Read from the descriptor whose bytes were verified (or whose identity was stamped as verified). */
function constantsOf(source: FileHandle, model: Pt2Model, path: string): Promise<CompiledConstant[] | null> {
  return model.wrapperCpp === null
    ? Promise.resolve(null)
    : readConstantShapes(source, model.wrapperCpp, path);
}

const DIGESTS = ".digests.json";
const STAMP = "verified-source";

function defaultModelName(pkg: Pt2Package): string {
  const names = Object.keys(pkg.models);
  return names.length === 1 ? names[0]! : "model";
}

function identityOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** One sequential read of the whole file: the file's sha256, and each wanted entry copied and hashed. */
async function hashWhileCopying(
  source: FileHandle,
  size: number,
  files: readonly Pt2Entry[],
  sinks: readonly FileHandle[],
  path: string,
): Promise<{ sha256: string; digests: string[]; crcs: number[] }> {
  const whole = createHash("sha256");
  const hashes = files.map(() => createHash("sha256"));
  const crcs = files.map(() => 0);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = 0;
  while (position < size) {
    const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) {
      throw new Pt2InvalidError(path, "the package is shorter than when it was opened", {
        expected: `${size} bytes`,
        received: `${position} bytes`,
      });
    }
    const chunk = buffer.subarray(0, bytesRead);
    whole.update(chunk);
    const end = position + bytesRead;
    for (const [i, file] of files.entries()) {
      const from = Math.max(position, file.dataOffset);
      const to = Math.min(end, file.dataOffset + file.size);
      if (from >= to) continue;
      const piece = chunk.subarray(from - position, to - position);
      hashes[i]!.update(piece);
      crcs[i] = crc32(piece, crcs[i]);
      await writeAll(sinks[i]!, piece);
    }
    position = end;
  }
  return { sha256: whole.digest("hex"), digests: hashes.map((h) => h.digest("hex")), crcs };
}

/** Checked after the sha256: a pinned package with a bad CRC is damaged, an unpinned one may be too. */
function checkCrcs(files: readonly Pt2Entry[], crcs: readonly number[], path: string): void {
  for (const [i, file] of files.entries()) {
    if (crcs[i] !== file.crc32) {
      throw new Pt2InvalidError(path, "an entry's bytes do not match its checksum", {
        entry: file.name,
        expected: `CRC-32 ${hex(file.crc32)}`,
        received: `CRC-32 ${hex(crcs[i]!)}`,
      });
    }
  }
}

async function writeAll(sink: FileHandle, chunk: Buffer): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await sink.write(chunk, written, chunk.length - written);
    written += bytesWritten;
  }
}

/** `<cacheDir>/<sha256>`, a folder only this user can enter; one that is not (any more) is replaced. */
async function privateDir(cacheDir: string, sha256: string): Promise<string> {
  const dir = join(cacheDir, sha256);
  if (!(await isPrivateDir(dir))) {
    await discard(dir, cacheDir);
    await mkdir(dir, { mode: 0o700 }).catch((error) => {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    });
    if (!(await isPrivateDir(dir))) {
      throw new AotihubError("AOTIHUB_PT2_EXTRACT_UNSAFE", `Cannot make a private folder ${dir}.`, {
        expected: "a folder owned by you with mode 0700",
        received: "another kind of file, or a folder others can enter",
        hint: "check who else writes to the aotihub cache (AOTIHUB_CACHE)",
      });
    }
  }
  return dir;
}

async function isPrivateDir(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) return false;
  const me = process.getuid?.();
  return (me === undefined || info.uid === me) && (info.mode & 0o077) === 0;
}

/**
 * Moves the verified copy into place. A folder already there (another process placed the same
 * content first) is used when it holds the same bytes, and replaced when it does not.
 */
async function place(
  staging: string,
  target: string,
  cacheDir: string,
  files: readonly Pt2Entry[],
  digests: readonly string[],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(staging, target);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      if (await holdsExtractedFiles(target, files, digests)) return;
      if (attempt > 0) throw error;
      await discard(target, cacheDir);
    }
  }
}

/** The extracted files of an earlier verification, reused when the source descriptor is the one stamped. */
async function reuse(
  cacheDir: string,
  sha256: string,
  modelName: string,
  files: readonly Pt2Entry[],
  identity: string,
): Promise<{ soPath: string; cubinDir: string } | null> {
  const dir = join(cacheDir, sha256);
  if (!(await isPrivateDir(dir))) return null;
  if ((await readFile(join(dir, STAMP), "utf8").catch(() => "")) !== identity) return null;
  const cubinDir = join(dir, modelName);
  const record = await readFile(join(cubinDir, DIGESTS), "utf8")
    .then((text) => JSON.parse(text) as Record<string, string>)
    .catch(() => null);
  if (record === null) return null;
  const digests = files.map((f) => record[baseName(f.name)] ?? "");
  if (!(await holdsExtractedFiles(cubinDir, files, digests))) return null;
  return { soPath: join(cubinDir, baseName(files[0]!.name)), cubinDir };
}

async function discard(dir: string, cacheDir: string): Promise<void> {
  if ((await lstat(dir).catch(() => null)) === null) return;
  const trash = join(cacheDir, `.trash-${randomBytes(6).toString("hex")}`);
  await rename(dir, trash);
  await rm(trash, { recursive: true, force: true });
}
