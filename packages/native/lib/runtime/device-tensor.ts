import { binding, type NativeHandle } from "../binding.js";
import { disposedError } from "../errors/native-errors.js";
import type { TorchDtypeName } from "../tensor/dtypes.js";
import { DEVICE_TENSOR, type DeviceTensor } from "./tensor.js";

export class NativeDeviceTensor implements DeviceTensor {
  readonly [DEVICE_TENSOR] = true;
  #handle: NativeHandle | null;

  constructor(
    handle: NativeHandle,
    readonly dtype: TorchDtypeName,
    readonly shape: readonly number[],
    readonly device: string,
  ) {
    this.#handle = handle;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  /** The native handle, for the runtime only. */
  handle(): NativeHandle {
    if (this.#handle === null) throw disposedError("device tensor");
    return this.#handle;
  }

  dispose(): void {
    if (this.#handle === null) return;
    binding().disposeHandle(this.#handle, "device");
    this.#handle = null;
  }
}
