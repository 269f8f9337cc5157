import { binding, type NativeDeviceOutput, type NativeHandle } from "../binding.js";
import { disposedError } from "../errors/native-errors.js";
import { captureUserStack } from "../errors/with-user-stack.js";
import { type TorchDtypeName, typedArrayFor } from "../tensor/dtypes.js";
import { typedNativeFailure } from "./native-failure.js";
import { DEVICE_TENSOR, type DeviceTensor, type Tensor } from "./tensor.js";

export class NativeDeviceTensor implements DeviceTensor {
  readonly [DEVICE_TENSOR] = true;
  readonly dtype: TorchDtypeName;
  readonly shape: readonly number[];
  readonly device: string;
  #handle: NativeHandle | null;

  /** From what native code recorded when it made the tensor, never from a caller's object. */
  constructor(native: NativeDeviceOutput) {
    this.#handle = native.device;
    this.dtype = native.dtype as TorchDtypeName;
    this.shape = Object.freeze(native.shape); // a fresh array from native code, nobody else's
    this.device = `cuda:${native.deviceIndex}`;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  /** The native handle, for the runtime only. */
  handle(): NativeHandle {
    if (this.#handle === null) throw disposedError("device tensor");
    return this.#handle;
  }

  async toHost(): Promise<Tensor> {
    const withUserStack = captureUserStack();
    try {
      const buffer = await binding().downloadTensor(this.handle());
      const numel = this.shape.reduce((a, b) => a * b, 1);
      return { dtype: this.dtype, shape: [...this.shape], data: typedArrayFor(this.dtype, buffer, 0, numel) };
    } catch (error) {
      const typed = typedNativeFailure(error, "run", `device tensor on ${this.device}`);
      throw typed instanceof Error ? withUserStack(typed) : typed;
    }
  }

  dispose(): void {
    if (this.#handle === null) return;
    binding().disposeHandle(this.#handle, "device");
    this.#handle = null;
  }
}
