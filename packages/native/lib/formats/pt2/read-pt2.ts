import { type FileHandle, open } from "node:fs/promises";
import { checkEntryNames } from "./check-entry-names.js";
import { checkEntryRanges } from "./check-entry-ranges.js";
import { findModelFiles } from "./find-model-files.js";
import { parseWrapperMetadata } from "./parse-wrapper-metadata.js";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import { readSmallEntry } from "./read-small-entry.js";
import type { Pt2Entry, Pt2Model, Pt2Package } from "./types.js";
import { readCentralDirectory } from "./zip/read-central-directory.js";
import { readEndOfCentralDirectory } from "./zip/read-end-of-central-directory.js";
import { readLocalDataOffset } from "./zip/read-local-header.js";

/**
 * Reads a `.pt2` package's table of contents: the zip central directory and each local header,
 * never the (possibly gigabytes of) entry data, except the small metadata records it parses.
 * Every entry comes back with the absolute offset of its stored bytes, so weights can be mapped
 * in place and the `.so` copied out without a zip library.
 */
export async function readPt2(path: string): Promise<Pt2Package> {
  const handle = await open(path, "r");
  try {
    return await readPt2From(handle, path);
  } finally {
    await handle.close();
  }
}

/**
 * The same, from a file already open: what a caller that verifies the bytes it uses needs, so the
 * table of contents comes from the very file descriptor that is hashed (`path` only names it).
 */
export async function readPt2From(handle: FileHandle, path: string): Promise<Pt2Package> {
  const { size } = await handle.stat();
  const location = await readEndOfCentralDirectory(handle, size, path);
  const central = await readCentralDirectory(handle, location, path);
  const top = checkEntryNames(central, path);
  const entries: Pt2Entry[] = [];
  for (const c of central) {
    const dataOffset = await readLocalDataOffset(handle, c, path);
    entries.push({ name: c.name, dataOffset, size: c.size, crc32: c.crc32 });
  }
  checkEntryRanges(central, entries, location.offset, path);
  await checkArchiveFormat(handle, entries, top, path);

  const models: Record<string, Pt2Model> = {};
  for (const files of findModelFiles(entries, top, path)) {
    const metadata =
      files.metadataJson === null
        ? {}
        : parseWrapperMetadata(
            await readSmallEntry(handle, files.metadataJson, path),
            files.metadataJson.name,
            path,
          );
    models[files.name] = {
      name: files.name,
      wrapperSo: files.wrapperSo,
      cubins: files.cubins,
      metadata,
      weightsBlob: files.weightsBlob,
      wrapperJson: files.wrapperJson,
      wrapperCpp: files.wrapperCpp,
    };
  }
  if (Object.keys(models).length === 0) {
    throw new Pt2InvalidError(path, "the package holds no compiled model", {
      expected: `a model folder ${top}/data/aotinductor/<model>/ with a *.wrapper.so`,
      received: `${entries.length} entries, none of them a model`,
      hint: "this may be a torch.export program without AOTInductor output: compile it with torch._inductor.aoti_compile_and_package",
    });
  }
  return { path, size, top, entries, models };
}

/** `archive_format` holds `pt2` in every package torch writes; older packages may lack it. */
async function checkArchiveFormat(
  handle: FileHandle,
  entries: readonly Pt2Entry[],
  top: string,
  path: string,
): Promise<void> {
  const record = entries.find((e) => e.name === `${top}/archive_format`);
  if (record === undefined) return;
  const value = (await readSmallEntry(handle, record, path)).toString("latin1");
  if (value !== "pt2") {
    throw new Pt2InvalidError(path, "the archive is not a pt2 package", {
      entry: record.name,
      expected: '"pt2"',
      received: JSON.stringify(value.slice(0, 64)),
    });
  }
}
