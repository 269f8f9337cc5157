import { binding, type NativeWeightStore, type NativeWeightStoreSpec } from "../binding.js";
import { readWeightSet } from "../formats/safetensors/read-weight-set.js";
import { typedNativeFailure } from "./native-failure.js";
import type { RuntimeDevice } from "./runtime-device.js";

/**
 * Reads a (possibly sharded) safetensors weight set and turns it into one native store: mapped
 * and bound zero-copy on CPU, uploaded once on CUDA (or adopted from the early upload below).
 */
export async function createWeightStore(
  paths: readonly string[],
  device: RuntimeDevice,
): Promise<NativeWeightStore> {
  const spec = await nativeWeightStoreSpec(paths, device);
  try {
    return await binding().createWeightStore(spec);
  } catch (error) {
    throw typedNativeFailure(error, "weights", `weights ${paths.join(", ")}`);
  }
}

// The early upload's start (one per process: native refuses a second), awaited by the drop.
let earlyStart: Promise<boolean> = Promise.resolve(false);

/**
 * Starts uploading a CUDA load's weight set before libtorch is loaded (native
 * early-weight-upload.h), for `createWeightStore` of the same paths to adopt (not on the CPU, not
 * once a runtime is loaded, not with AOTIHUB_EARLY_UPLOAD=0). What no store adopts is freed by
 * `dropEarlyWeightUpload` (or at exit). Failures are left to createWeightStore, which then uploads as
 * always.
 */
export function startWeightUploadEarly(paths: readonly string[], device: RuntimeDevice): void {
  if (!device.cuda || process.env.AOTIHUB_EARLY_UPLOAD === "0") return;
  earlyStart = nativeWeightStoreSpec(paths, device).then(
    (spec) => binding().uploadWeightsEarly?.(spec) ?? false,
    () => false,
  );
}

/** Frees an early upload no store adopted (a failed load, other files); nothing where none is left. */
export async function dropEarlyWeightUpload(): Promise<void> {
  if (await earlyStart.catch(() => false)) await binding().dropEarlyWeights?.();
}

async function nativeWeightStoreSpec(
  paths: readonly string[],
  device: RuntimeDevice,
): Promise<NativeWeightStoreSpec> {
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
  return { cuda: device.cuda, deviceIndex: device.index, files };
}
