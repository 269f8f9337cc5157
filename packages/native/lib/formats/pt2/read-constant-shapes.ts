import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { readExactly } from "../read-exactly.js";
import { Pt2InvalidError } from "./pt2-invalid-error.js";
import { hex } from "./read-small-entry.js";
import type { Pt2Entry } from "./types.js";

/** A constant as the compiled model declares it. */
export interface CompiledConstant {
  /** The name inside the model (`a_weight`). */
  name: string;
  /** The original fully qualified name (`a.weight`), the key weights are bound by; may be empty. */
  fqn: string;
  shape: number[];
}

/** Generated wrappers of large models run to a few MB; far more is not a wrapper. */
const MAX_WRAPPER_CPP_BYTES = 64 << 20;

const FIELD = /constants_info_\[(\d+)\]\.(name|original_fqn|shape) = ([^;\n]*);/g;

/**
 * The shape of every constant of a compiled model. The C ABI of the model container reports a
 * constant's byte size but not its shape, so a transposed matrix (same bytes) would bind silently;
 * AOTInductor writes each constant's `shape` (and `name`, `original_fqn`) into the generated
 * `<hash>.wrapper.cpp` it ships in the package (torch/_inductor/codegen/cpp_wrapper_cpu.py,
 * `constants_info_[i].shape = {...}`), which is read here from the descriptor the package was
 * verified on.
 */
export async function readConstantShapes(
  handle: FileHandle,
  entry: Pt2Entry,
  path: string,
): Promise<CompiledConstant[]> {
  if (entry.size > MAX_WRAPPER_CPP_BYTES) {
    throw new Pt2InvalidError(path, "the generated wrapper source is implausibly large", {
      entry: entry.name,
      expected: `at most ${MAX_WRAPPER_CPP_BYTES} bytes`,
      received: `${entry.size} bytes`,
    });
  }
  const bytes = await readExactly(handle, entry.dataOffset, entry.size);
  if (bytes === null || crc32(bytes) !== entry.crc32) {
    throw new Pt2InvalidError(path, "an entry's bytes do not match its checksum", {
      entry: entry.name,
      expected: `CRC-32 ${hex(entry.crc32)}`,
      received: bytes === null ? "the end of the file first" : `CRC-32 ${hex(crc32(bytes))}`,
    });
  }
  return parseConstantShapes(bytes.toString("utf8"));
}

/** The `constants_info_` records of a generated wrapper, in index order. */
export function parseConstantShapes(source: string): CompiledConstant[] {
  const byIndex = new Map<number, Partial<CompiledConstant>>();
  for (const [, index, field, value] of source.matchAll(FIELD)) {
    const record = byIndex.get(Number(index)) ?? {};
    if (field === "shape") record.shape = parseShape(value!) ?? undefined;
    else if (field === "name") record.name = parseString(value!);
    else record.fqn = parseString(value!);
    byIndex.set(Number(index), record);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .filter(([, c]) => c.name !== undefined && c.shape !== undefined)
    .map(([, c]) => ({ name: c.name!, fqn: c.fqn ?? "", shape: c.shape! }));
}

/** Sizes, or null for a shape that is not plain numbers (then that constant is not checked). */
function parseShape(value: string): number[] | null {
  const match = /^\{([\d,\s]*)\}$/.exec(value.trim());
  if (match === null) return null;
  const body = match[1]!.trim();
  return body === "" ? [] : body.split(",").map((d) => Number(d.trim()));
}

function parseString(value: string): string {
  const match = /^"((?:[^"\\]|\\.)*)"$/.exec(value.trim());
  return match ? match[1]! : value.trim();
}
