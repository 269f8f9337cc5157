import { Pt2InvalidError } from "./pt2-invalid-error.js";
import type { Pt2Entry } from "./types.js";
import type { CentralEntry } from "./zip/read-central-directory.js";

/**
 * Every entry, from its local header to the end of its data, must lie before the central
 * directory and must not overlap another: overlapping entries are how "zip bombs" and
 * parser-confusion attacks make one byte range mean two files.
 */
export function checkEntryRanges(
  central: readonly CentralEntry[],
  entries: readonly Pt2Entry[],
  directoryOffset: number,
  path: string,
): void {
  const spans = central.map((c, i) => ({
    name: c.name,
    start: c.localHeaderOffset,
    end: entries[i]!.dataOffset + c.size,
  }));
  for (const span of spans) {
    if (span.end > directoryOffset) {
      throw new Pt2InvalidError(path, "an entry's data runs past the file's data area", {
        entry: span.name,
        expected: `data ending by byte ${directoryOffset} (the central directory)`,
        received: `data from byte ${span.start} to ${span.end}`,
      });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const previous = spans[i - 1]!;
    const current = spans[i]!;
    if (current.start < previous.end) {
      throw new Pt2InvalidError(path, "two entries overlap", {
        entry: current.name,
        expected: `"${current.name}" to start at or after byte ${previous.end}, where "${previous.name}" ends`,
        received: `it starts at byte ${current.start}`,
      });
    }
  }
}
