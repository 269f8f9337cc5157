import { DTYPES, dtypeFromSafetensors } from "../../tensor/dtypes.js";
import { describeJson } from "./describe-json.js";
import { SafetensorsInvalidError } from "./safetensors-invalid-error.js";
import type { SafetensorsFile, SafetensorsTensor } from "./types.js";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const METADATA_KEY = "__metadata__";

/**
 * Validates a safetensors JSON header against the file it came from, with the rules of the
 * reference reader (huggingface/safetensors `Metadata::validate`): tensors sorted by offset must
 * tile the data section from 0 to the end of the file with no gap or overlap, and each one's byte
 * length must equal its dtype size times the product of its shape. Pure, so it can be fuzzed
 * in memory.
 */
export function parseSafetensorsHeader(
  header: Uint8Array,
  fileSize: number,
  path: string,
): Omit<SafetensorsFile, "path" | "size"> {
  const dataStart = 8 + header.length;
  const parsed = parseJsonObject(header, path);

  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensor[] = [];
  const offsets = new Map<SafetensorsTensor, [number, number]>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(value, path);
      continue;
    }
    const { tensor, start, end } = parseTensor(name, value, dataStart, path);
    tensors.push(tensor);
    offsets.set(tensor, [start, end]);
  }

  tensors.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let expectedStart = 0;
  for (const tensor of tensors) {
    const [start, end] = offsets.get(tensor)!;
    if (start !== expectedStart) {
      throw new SafetensorsInvalidError(
        path,
        start < expectedStart ? "tensors overlap" : "a gap between tensors",
        {
          tensor: tensor.name,
          expected: `data_offsets starting at ${expectedStart} (where the previous tensor ends)`,
          received: `[${start}, ${end}]`,
        },
      );
    }
    expectedStart = end;
  }
  if (dataStart + expectedStart !== fileSize) {
    throw new SafetensorsInvalidError(path, "the tensors do not cover the data section exactly", {
      expected: `a file of ${dataStart + expectedStart} bytes (8 + ${header.length} header + ${expectedStart} data)`,
      received: `${fileSize} bytes`,
      hint:
        fileSize < dataStart + expectedStart
          ? "the file is truncated: download it again"
          : "the file has trailing bytes no tensor claims: re-save it with safetensors",
    });
  }
  return { dataStart, metadata, tensors };
}

function parseJsonObject(header: Uint8Array, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(header));
  } catch (cause) {
    throw new SafetensorsInvalidError(path, "the header is not UTF-8 JSON", {
      expected: "a UTF-8 JSON object after the 8-byte length",
      received: `${header.length} bytes that do not parse (${String((cause as Error).message).slice(0, 120)})`,
      cause,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SafetensorsInvalidError(path, "the header is not a JSON object", {
      expected: '{"<tensor name>": {"dtype", "shape", "data_offsets"}, ...}',
      received: Array.isArray(value) ? "an array" : describeJson(value),
    });
  }
  return value as Record<string, unknown>;
}

function parseMetadata(value: unknown, path: string): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new SafetensorsInvalidError(path, "__metadata__ is not an object", {
      expected: "an object of strings",
      received: describeJson(value),
    });
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new SafetensorsInvalidError(path, "a __metadata__ value is not a string", {
        expected: `a string for "${key}"`,
        received: describeJson(item),
      });
    }
    metadata[key] = item;
  }
  return metadata;
}

function parseTensor(
  name: string,
  value: unknown,
  dataStart: number,
  path: string,
): { tensor: SafetensorsTensor; start: number; end: number } {
  const bad = (problem: string, expected: string, received: unknown) =>
    new SafetensorsInvalidError(path, problem, {
      tensor: name,
      expected,
      received: describeJson(received),
    });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("a tensor entry is not an object", '{"dtype", "shape", "data_offsets"}', value);
  }
  const { dtype: code, shape, data_offsets: dataOffsets } = value as Record<string, unknown>;
  if (typeof code !== "string") throw bad("a tensor has no dtype", 'a dtype code such as "F32"', code);
  const dtype = dtypeFromSafetensors(code);
  if (dtype === null) {
    throw new SafetensorsInvalidError(path, `unsupported dtype ${code}`, {
      tensor: name,
      expected: `one of ${Object.values(DTYPES)
        .map((d) => d.safetensors)
        .join(", ")}`,
      received: code,
      hint: "convert the weights to a supported dtype before saving (e.g. tensor.to(torch.float32))",
    });
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw bad(
      "a tensor's shape is not a list of non-negative integers",
      "e.g. [16, 8] or [] for a scalar",
      shape,
    );
  }
  if (!Array.isArray(dataOffsets) || dataOffsets.length !== 2 || !dataOffsets.every(isIndex)) {
    throw bad("a tensor's data_offsets are not two non-negative integers", "[begin, end]", dataOffsets);
  }
  const [start, end] = dataOffsets as [number, number];
  if (end < start)
    throw bad("a tensor ends before it begins", "data_offsets [begin, end] with end >= begin", dataOffsets);

  let elements = 1;
  for (const dim of shape as number[]) elements *= dim;
  const byteLength = elements * DTYPES[dtype].itemSize;
  if (!Number.isSafeInteger(byteLength) || byteLength !== end - start) {
    throw new SafetensorsInvalidError(path, "a tensor's byte size does not match its dtype and shape", {
      tensor: name,
      expected: `${DTYPES[dtype].itemSize} x ${(shape as number[]).join(" x ") || "1"} = ${byteLength} bytes`,
      received: `data_offsets [${start}, ${end}]: ${end - start} bytes`,
    });
  }
  return {
    tensor: { name, dtype, shape: [...(shape as number[])], byteOffset: dataStart + start, byteLength },
    start,
    end,
  };
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
