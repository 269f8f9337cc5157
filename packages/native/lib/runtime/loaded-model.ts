import {
  binding,
  type NativeContainer,
  type NativeRunInput,
  type NativeRunOutput,
  type NativeWeightStore,
} from "../binding.js";
import {
  DisposedError,
  disposedError,
  InputMismatchError,
  NoMatchingBucketError,
} from "../errors/native-errors.js";
import { captureUserStack } from "../errors/with-user-stack.js";
import { type TensorData, type TorchDtypeName, typedArrayFor } from "../tensor/dtypes.js";
import { NativeDeviceTensor } from "./device-tensor.js";
import { bucketMismatches, formatBucket, type InputSignature, publicInputNames } from "./match-bucket.js";
import { typedNativeFailure } from "./native-failure.js";
import { normalizeInputs } from "./normalize-inputs.js";
import type { RuntimeDevice } from "./runtime-device.js";
import { type DeviceTensor, isDeviceTensor, type RunInput, type Tensor } from "./tensor.js";
import type { Variant, VariantInfo } from "./variant.js";

export interface RunOptions {
  /** Run this bucket's variant instead of choosing by shape. */
  variant?: string;
  /** On CUDA, return outputs as DeviceTensors that stay on the GPU (default false). */
  keepOnDevice?: boolean;
  /**
   * Arrays to write host outputs into instead of new ones, one per output in `outputNames` order
   * (`undefined` for a new one): each of the output dtype's array type with its exact element count.
   * The outputs returned hold these very arrays as `data`. A misfit is `AOTIHUB_OUTPUT_INVALID`,
   * checked before any array is written; not with `keepOnDevice`.
   */
  out?: readonly (TensorData | undefined)[];
}

export interface LoadStats {
  torchLoadMs: number;
  weightBytes: number;
  /** Mapping + tensor creation (CPU) or upload (CUDA) of the shared weights. */
  weightLoadMs: number;
  weightTensors: number;
  /** Tensors bound straight from the mapped file (CPU). */
  zeroCopyTensors: number;
  /**
   * When each load stage ended, in ms since the process started (libtorch dlopen, CUDA context,
   * weights, variants, warm-up; see docs/cold-start.md), and a few counts under their own names.
   */
  stages?: Readonly<Record<string, number>>;
}

export interface LoadedModel {
  readonly device: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly variants: readonly VariantInfo[];
  readonly stats: LoadStats;
  /**
   * Runs the variant whose bucket fits the inputs (positional, or named by `inputNames`), off the
   * event loop. Except for short CPU runs: once a CPU variant's recent runs took under 50 us each
   * (median of the last 8, measured natively; `AOTIHUB_INLINE_RUN_US` sets the bound, 0 turns this
   * off) and no other CPU run is in flight, it runs on the calling thread, as `runSync` does, because
   * handing it to another thread and back would cost several times the run.
   */
  run(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options?: RunOptions,
  ): Promise<(Tensor | DeviceTensor)[]>;
  /**
   * The same run on the calling thread, without the hop to another thread: for small models where
   * that hop costs more than the model (it blocks the event loop for the run's duration). On the
   * CPU its OpenMP regions use the calling thread alone. The variant must be open already (a first
   * `run()`, or loading without `lazy`).
   */
  runSync(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options?: RunOptions,
  ): (Tensor | DeviceTensor)[];
  /** Uploads a host tensor to this model's GPU once, to feed many runs (CUDA models only). */
  toDevice(tensor: Tensor): Promise<DeviceTensor>;
  /** Debug: the data pointer of every weight as the variant's container holds it (proves sharing). */
  boundWeightPointers(variant: string): Promise<Record<string, bigint>>;
  /** Frees containers, weights and mappings (after in-flight runs finish); later calls throw AOTIHUB_DISPOSED. Idempotent. */
  dispose(): void;
}

export class NativeLoadedModel implements LoadedModel {
  #disposed = false;
  #released = false;
  /** Runs accepted before dispose() finish on live natives; the last one out releases them. */
  #inFlight = 0;
  /** Containers whose inputs were found to be the model's (#checkVariantInputs). */
  readonly #fittingContainers = new WeakSet<NativeContainer>();
  /**
   * The variant the last choice by bucket picked, and what it picked it for: the requested name and
   * the inputs' dtypes and shapes. A call whose inputs repeat them (a loop over one resolution) gets
   * the same variant without building signatures and checking buckets. The choice is a function
   * of these alone and the buckets, which never change, so the entry never goes stale; only a
   * choice that succeeded is kept, and anything else takes the full check (and its errors).
   */
  #lastChoice: {
    requested: string | undefined;
    variant: Variant;
    dtypes: string[];
    /** The shapes of that call's snapshot (our own copies, never handed back to a caller). */
    shapes: number[][];
  } | null = null;

  constructor(
    readonly device: string,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    readonly stats: LoadStats,
    private readonly runtimeDevice: RuntimeDevice,
    private readonly variantList: readonly Variant[],
    private readonly store: NativeWeightStore,
    private readonly cacheDir: string,
  ) {}

  get variants(): VariantInfo[] {
    return this.variantList.map((v) => v.info());
  }

  async run(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options: RunOptions = {},
  ): Promise<(Tensor | DeviceTensor)[]> {
    // No captureUserStack() here: capturing a stack costs ~7-9 us a call on Node 20 (as much as a
    // small model's whole run). Errors found before the first await carry the caller's frames as
    // they are; a native failure is rethrown as a new typed error inside this async function, where
    // V8's async stack trace names the awaiting caller.
    if (this.#disposed) throw disposedError("model");
    this.#inFlight++;
    try {
      const { variant, native } = this.#prepare(inputs, options);
      const out = this.#outArrays(options);
      // An open variant runs without first yielding to the event loop (no await of an open promise).
      const container = variant.opened() ?? (await variant.open(this.store.handle, this.runtimeDevice));
      this.#checkVariantInputs(variant, container);
      let outputs: NativeRunOutput[];
      try {
        // Native code copies the host bytes and reads shapes before this returns: nothing done to
        // the inputs after this line reaches the run. A short CPU run comes back already done, as
        // outputs rather than a promise (src/runtime/inline-run-policy.h).
        const ran = binding().runContainer(container.handle, native, options.keepOnDevice === true, out);
        outputs = Array.isArray(ran) ? ran : await ran;
      } catch (error) {
        throw typedNativeFailure(error, "run", `variant ${variant.name}`);
      }
      return outputs.map((o) => this.#toTensor(o));
    } finally {
      this.#inFlight--;
      if (this.#disposed && this.#inFlight === 0) this.#release();
    }
  }

  runSync(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options: RunOptions = {},
  ): (Tensor | DeviceTensor)[] {
    if (this.#disposed) throw disposedError("model");
    const { variant, native } = this.#prepare(inputs, options);
    const container = variant.opened();
    if (container === null) {
      throw new DisposedError("AOTIHUB_VARIANT_NOT_OPEN", `Variant ${variant.name} is not open yet.`, {
        expected: "an opened variant (runSync never waits for a load)",
        received: `variant ${variant.name}, not opened`,
        hint: "call run() once first, or load without lazy: true",
      });
    }
    this.#checkVariantInputs(variant, container);
    let outputs: NativeRunOutput[];
    try {
      outputs = binding().runContainerSync(
        container.handle,
        native,
        options.keepOnDevice === true,
        this.#outArrays(options),
      );
    } catch (error) {
      throw typedNativeFailure(error, "run", `variant ${variant.name}`);
    }
    return outputs.map((o) => this.#toTensor(o));
  }

  async toDevice(tensor: Tensor): Promise<DeviceTensor> {
    const withUserStack = captureUserStack();
    if (this.#disposed) throw withUserStack(disposedError("model"));
    if (!this.runtimeDevice.cuda) {
      throw withUserStack(
        new InputMismatchError(
          "AOTIHUB_INPUT_WRONG_DEVICE",
          `This model runs on ${this.device}, not a GPU.`,
          {
            expected: "a model loaded on a CUDA device",
            received: this.device,
            hint: "pass host tensors to run() directly on the CPU",
          },
        ),
      );
    }
    const [checked] = normalizeInputs([tensor], ["tensor"]) as Tensor[];
    try {
      const native = await binding().uploadTensor(
        { dtype: checked!.dtype, shape: [...checked!.shape], data: checked!.data },
        this.runtimeDevice.index,
      );
      return new NativeDeviceTensor(native);
    } catch (error) {
      const typed = typedNativeFailure(error, "run", `upload to ${this.device}`);
      throw typed instanceof Error ? withUserStack(typed) : typed;
    }
  }

  /**
   * Checks the inputs and picks the variant, from a snapshot taken now: the shapes and dtypes used
   * here are the ones native code receives, whatever the caller later does to its objects.
   */
  #prepare(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options: RunOptions,
  ): { variant: Variant; native: NativeRunInput[] } {
    // Host inputs come back as snapshots already; device ones are checked and snapshotted here,
    // in place (no second array).
    const native = normalizeInputs(inputs, this.inputNames) as (NativeRunInput | DeviceTensor)[];
    for (let i = 0; i < native.length; i++) {
      const t = native[i]!;
      if (!isDeviceTensor(t)) continue;
      if (!(t instanceof NativeDeviceTensor) || !this.runtimeDevice.cuda || t.device !== this.device) {
        throw new InputMismatchError(
          "AOTIHUB_INPUT_WRONG_DEVICE",
          `Input "${this.inputNames[i]}" is on another device.`,
          {
            expected: `a tensor for ${this.device}`,
            received: `a device tensor on ${t.device}`,
            hint: "read it back with toHost() and upload it with this model's toDevice()",
          },
        );
      }
      native[i] = { dtype: t.dtype, shape: t.shape.slice(), device: t.handle() };
    }
    const snapshot = native as NativeRunInput[];
    const variant = this.#lastFit(snapshot, options.variant) ?? this.#chooseFor(snapshot, options.variant);
    return { variant, native: snapshot };
  }

  /** The last choice's variant if these inputs repeat what it was made for (#lastChoice), else null. */
  #lastFit(native: readonly NativeRunInput[], requested: string | undefined): Variant | null {
    const last = this.#lastChoice;
    if (last === null || last.requested !== requested) return null;
    // native.length is inputNames.length (normalizeInputs), as it was for the last choice.
    for (let i = 0; i < native.length; i++) {
      const t = native[i]!;
      if (t.dtype !== last.dtypes[i]) return null;
      const shape = t.shape;
      const was = last.shapes[i]!;
      if (shape.length !== was.length) return null;
      for (let d = 0; d < shape.length; d++) if (shape[d] !== was[d]) return null;
    }
    return last.variant;
  }

  /** The full choice (every bucket checked, typed errors), remembered when it succeeds. */
  #chooseFor(native: readonly NativeRunInput[], requested: string | undefined): Variant {
    const signature = native.map((t, i) => ({
      name: this.inputNames[i] ?? String(i),
      dtype: t.dtype as TorchDtypeName,
      shape: t.shape,
    }));
    const variant = this.#choose(signature, requested);
    // The snapshot's shapes are this call's own copies: nothing outside changes them later.
    this.#lastChoice = {
      requested,
      variant,
      dtypes: native.map((t) => t.dtype),
      shapes: native.map((t) => t.shape),
    };
    return variant;
  }

  /** `options.out`, checked for what needs no run: a list (of this length) of TypedArrays, host outputs. */
  #outArrays(options: RunOptions): (TensorData | undefined)[] | undefined {
    const out = options.out;
    if (out === undefined) return undefined;
    const refuse = (received: string) =>
      new InputMismatchError("AOTIHUB_OUTPUT_INVALID", "The output arrays do not fit this model.", {
        expected: `an array of ${this.outputNames.length} TypedArrays (or undefined), for host outputs`,
        received,
        hint: "size each from one run's outputs; keepOnDevice outputs take none",
      });
    if (!Array.isArray(out)) throw refuse(typeof out);
    if (out.length !== this.outputNames.length) throw refuse(`${out.length} arrays`);
    if (options.keepOnDevice === true && out.some((a) => a !== undefined))
      throw refuse("arrays for outputs kept on the device (keepOnDevice)");
    if (!out.every((a) => a === undefined || ArrayBuffer.isView(a)))
      throw refuse("an element that is not a TypedArray");
    return [...out];
  }

  #checkVariantInputs(variant: Variant, container: NativeContainer): void {
    // The answer never changes for a container: ask once, not on every run.
    if (this.#fittingContainers.has(container)) return;
    if (publicInputNames(variant.bucket, container.inputNames)?.join() !== this.inputNames.join()) {
      throw new InputMismatchError(
        "AOTIHUB_BUCKET_INPUTS_MISMATCH",
        `Variant ${variant.name} takes other inputs.`,
        {
          expected: `inputs ${this.inputNames.join(", ")}`,
          received: `${container.inputNames.join(", ")} (bucket ${formatBucket(variant.bucket)})`,
          hint: "load variants of one model with the buckets they were compiled for",
        },
      );
    }
    this.#fittingContainers.add(container);
  }

  async boundWeightPointers(name: string): Promise<Record<string, bigint>> {
    if (this.#disposed) throw disposedError("model");
    const variant = this.#byName(name);
    const container = await variant.open(this.store.handle, this.runtimeDevice);
    return binding().boundPointers(container.handle);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#inFlight === 0) this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const v of this.variantList) v.dispose();
    binding().disposeHandle(this.store.handle, "store");
  }

  #choose(signature: InputSignature[], requested: string | undefined): Variant {
    if (requested !== undefined) {
      const variant = this.#byName(requested);
      const reasons = bucketMismatches(variant.bucket, signature);
      if (reasons.length > 0) throw this.#noBucket(signature, [[variant, reasons]]);
      return variant;
    }
    const rejected: [Variant, string[]][] = [];
    for (const variant of this.variantList) {
      const reasons = bucketMismatches(variant.bucket, signature);
      if (reasons.length === 0) return variant;
      rejected.push([variant, reasons]);
    }
    throw this.#noBucket(signature, rejected);
  }

  #byName(name: string): Variant {
    const variant = this.variantList.find((v) => v.name === name);
    if (variant === undefined) {
      throw new NoMatchingBucketError("AOTIHUB_VARIANT_NOT_FOUND", `No variant named "${name}".`, {
        expected: `one of ${this.variantList.map((v) => v.name).join(", ")}`,
        received: name,
      });
    }
    return variant;
  }

  #noBucket(signature: InputSignature[], rejected: [Variant, string[]][]): NoMatchingBucketError {
    const given = signature.map((s) => `${s.name}[${s.shape.join(", ")}] ${s.dtype}`).join(", ");
    return new NoMatchingBucketError("AOTIHUB_NO_MATCHING_BUCKET", "No compiled variant fits these inputs.", {
      expected: `inputs fitting one of the buckets:\n    ${rejected
        .map(([v, reasons]) => `${formatBucket(v.bucket)}  (${reasons.join("; ")})`)
        .join("\n    ")}`,
      received: given,
      hint: "pad or resize the inputs to a bucket, or publish a variant compiled for this shape",
    });
  }

  #toTensor(output: NativeRunOutput): Tensor | DeviceTensor {
    const dtype = output.dtype as TorchDtypeName;
    if ("device" in output) return new NativeDeviceTensor(output);
    if ("data" in output) return { dtype, shape: output.shape, data: output.data }; // the caller's `out` array
    const numel = output.shape.reduce((a, b) => a * b, 1);
    return { dtype, shape: output.shape, data: typedArrayFor(dtype, output.buffer, 0, numel) };
  }
}
