import type { TensorData, TorchDtypeName } from "../tensor/dtypes.js";

/** A host tensor: `{ dtype, shape, data }`, row-major, bf16/fp16/fp8 as raw Uint16/Uint8 bits. */
export interface Tensor {
  dtype: TorchDtypeName;
  shape: number[];
  data: TensorData;
}

/**
 * A tensor that stays on the GPU (`run(inputs, { keepOnDevice: true })` or `model.toDevice(t)`):
 * pass it to the next `run` without a copy, read it with `toHost()`. `dispose()` frees it now;
 * otherwise the GC does.
 */
export interface DeviceTensor {
  readonly dtype: TorchDtypeName;
  readonly shape: readonly number[];
  readonly device: string;
  readonly disposed: boolean;
  /** Reads the bytes back to the host once (e.g. after the last step of a loop). */
  toHost(): Promise<Tensor>;
  dispose(): void;
}

export type RunInput = Tensor | DeviceTensor;

export function isDeviceTensor(value: unknown): value is DeviceTensor {
  return value instanceof Object && DEVICE_TENSOR in value;
}

/** Marks our DeviceTensor objects; the symbol keeps users' look-alike objects from passing. */
export const DEVICE_TENSOR: unique symbol = Symbol("aotihub.deviceTensor");
