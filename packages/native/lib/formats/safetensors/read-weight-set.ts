import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseWeightIndex } from "./parse-weight-index.js";
import { readSafetensors } from "./read-safetensors.js";
import { SafetensorsInvalidError } from "./safetensors-invalid-error.js";
import type { SafetensorsFile, SafetensorsTensor, WeightSet } from "./types.js";

/** An index lists tensor names and shard names; a few MB at most for the largest models. */
const MAX_INDEX_BYTES = 64 << 20;

/**
 * Reads one model's weights: safetensors files and/or sharded sets given by their
 * `*.safetensors.index.json`. A tensor name may appear once in the whole set, and a sharded set's
 * shards must hold exactly the tensors its index places in them.
 */
export async function readWeightSet(pathsOrIndexJson: readonly string[]): Promise<WeightSet> {
  const files: SafetensorsFile[] = [];
  const tensors: WeightSet["tensors"] = new Map();
  let metadata: Record<string, unknown> = {};
  const seenFiles = new Set<string>();

  const addFile = async (path: string): Promise<SafetensorsFile | null> => {
    const absolute = resolve(path);
    if (seenFiles.has(absolute)) return null;
    seenFiles.add(absolute);
    const file = await readSafetensors(path);
    files.push(file);
    for (const info of file.tensors) addTensor(tensors, file, info);
    return file;
  };

  for (const path of pathsOrIndexJson) {
    if (!path.endsWith(".json")) {
      await addFile(path);
      continue;
    }
    const info = await stat(path);
    if (info.size > MAX_INDEX_BYTES) {
      throw new SafetensorsInvalidError(path, "the index is implausibly large", {
        expected: `at most ${MAX_INDEX_BYTES} bytes`,
        received: `${info.size} bytes`,
      });
    }
    const index = parseWeightIndex(await readFile(path), path);
    metadata = { ...metadata, ...index.metadata };
    const shards = [...new Set(index.weightMap.values())];
    for (const shard of shards) {
      const shardPath = join(dirname(path), shard);
      if ((await stat(shardPath).catch(() => null))?.isFile() !== true) {
        throw new SafetensorsInvalidError(path, "the index names a shard that is not there", {
          expected: `a file ${shardPath}`,
          received: "nothing at that path",
          hint: "download every shard the index lists, or pass the shard files themselves",
        });
      }
      const file = await addFile(shardPath);
      if (file !== null) checkShardMatchesIndex(file, shard, index.weightMap, path);
    }
  }
  return { files, tensors, metadata };
}

function addTensor(tensors: WeightSet["tensors"], file: SafetensorsFile, info: SafetensorsTensor): void {
  const previous = tensors.get(info.name);
  if (previous !== undefined) {
    throw new SafetensorsInvalidError(file.path, "a tensor name appears in two files of one weight set", {
      tensor: info.name,
      expected: "each tensor in exactly one file",
      received: `also in ${previous.file.path}`,
      hint: "pass each weight file once, and only the files of one model",
    });
  }
  tensors.set(info.name, { file, info });
}

function checkShardMatchesIndex(
  file: SafetensorsFile,
  shard: string,
  weightMap: ReadonlyMap<string, string>,
  indexPath: string,
): void {
  const inFile = new Set(file.tensors.map((t) => t.name));
  for (const [tensor, where] of weightMap) {
    if (where === shard && !inFile.has(tensor)) {
      throw new SafetensorsInvalidError(indexPath, "a tensor the index places in a shard is not there", {
        tensor,
        expected: `"${tensor}" in ${file.path}`,
        received: `a shard holding ${file.tensors.length} other tensors`,
        hint: "the index and the shards come from different saves: download them again together",
      });
    }
  }
  for (const tensor of inFile) {
    if (weightMap.get(tensor) !== shard) {
      throw new SafetensorsInvalidError(indexPath, "a shard holds a tensor the index places elsewhere", {
        tensor,
        expected: `"${tensor}" in ${weightMap.get(tensor) ?? "no shard (not in the index)"}`,
        received: `found in ${shard}`,
        hint: "the index and the shards come from different saves: download them again together",
      });
    }
  }
}
