import { unsafeRepoPathReason } from "@aotihub/registry";
import { describeJson } from "./describe-json.js";
import { SafetensorsInvalidError } from "./safetensors-invalid-error.js";

export interface WeightIndex {
  metadata: Record<string, unknown>;
  /** Tensor name to shard file name, relative to the index's folder. */
  weightMap: Map<string, string>;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a sharded set's `model.safetensors.index.json` (`{"metadata": {...}, "weight_map":
 * {"<tensor>": "<shard file>"}}`, as transformers and huggingface_hub write it). Shard names must be
 * safe relative paths, so an index cannot point outside its folder.
 */
export function parseWeightIndex(bytes: Uint8Array, path: string): WeightIndex {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (cause) {
    throw new SafetensorsInvalidError(path, "the index is not UTF-8 JSON", {
      expected: 'a JSON object with a "weight_map"',
      received: `${bytes.length} bytes that do not parse`,
      cause,
    });
  }
  const root = isObject(value) ? value : null;
  const map = root !== null && isObject(root.weight_map) ? root.weight_map : null;
  if (root === null || map === null) {
    throw new SafetensorsInvalidError(path, "the index has no weight_map object", {
      expected: '{"weight_map": {"<tensor name>": "<shard file>"}}',
      received: describeJson(value),
    });
  }
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map)) {
    const reason = typeof shard === "string" ? unsafeRepoPathReason(shard) : "not a string";
    if (reason !== null) {
      throw new SafetensorsInvalidError(path, "the index names a shard that is not a safe relative path", {
        tensor,
        expected: "a file name inside the index's folder, e.g. model-00001-of-00002.safetensors",
        received: `${describeJson(shard)} (${reason})`,
      });
    }
    weightMap.set(tensor, shard as string);
  }
  return { metadata: isObject(root.metadata) ? root.metadata : {}, weightMap };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
