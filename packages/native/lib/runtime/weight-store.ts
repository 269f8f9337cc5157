import { binding, type NativeWeightStore } from "../binding.js";
import { readWeightSet } from "../formats/safetensors/read-weight-set.js";
import { typedNativeFailure } from "./native-failure.js";
import type { RuntimeDevice } from "./runtime-device.js";

/**
 * Reads a (possibly sharded) safetensors weight set and turns it into one native store: mapped
 * and bound zero-copy on CPU, uploaded once on CUDA.
 */
export async function createWeightStore(
  paths: readonly string[],
  device: RuntimeDevice,
): Promise<NativeWeightStore> {
  const set = await readWeightSet(paths);
  const files = set.files.map((file) => ({
    path: file.path,
    tensors: file.tensors
      .filter((t) => set.tensors.get(t.name)?.file === file)
      .map((t) => ({
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        byteOffset: t.byteOffset,
        byteLength: t.byteLength,
      })),
  }));
  try {
    return await binding().createWeightStore({ cuda: device.cuda, deviceIndex: device.index, files });
  } catch (error) {
    throw typedNativeFailure(error, "weights", `weights ${paths.join(", ")}`);
  }
}
