import { InputMismatchError, ModelLoadError } from "../errors/native-errors.js";
import { itemSizeOf, type TorchDtypeName, typedArrayFor } from "../tensor/dtypes.js";
import type { LoadedModel } from "./loaded-model.js";
import type { Tensor } from "./tensor.js";
import type { Variant } from "./variant.js";

/** loadPackages' `warmup`: absent or a boolean; anything else is refused before any work. */
export function checkWarmupOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  throw new InputMismatchError("AOTIHUB_PACKAGES_INVALID", "The warmup option must be a boolean.", {
    expected: "warmup: true or false (default false)",
    received: `${typeof value} ${JSON.stringify(value)}`,
    hint: "pass warmup: true to run every opened variant once during the load",
  });
}

/**
 * Runs each opened variant once with zeros of its bucket's shapes (a dynamic dim at its minimum),
 * through the model's own run path, so the kernels' modules, cuBLAS state and host buffers the
 * first call needs exist before the caller's first call. The outputs are dropped.
 */
export async function warmUp(model: LoadedModel, opened: readonly Variant[]): Promise<void> {
  // Every input set is built (and a missing dtype refused) before any run starts; the variants then
  // run side by side, so their kernels' modules load in parallel.
  const runs = opened.map((variant) => ({ variant, inputs: zerosFor(variant) }));
  await Promise.all(runs.map(({ variant, inputs }) => model.run(inputs, { variant: variant.name })));
}

function zerosFor(variant: Variant): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const [name, dims] of Object.entries(variant.bucket.inputs)) {
    const dtype = variant.bucket.dtypes?.[name] as TorchDtypeName | undefined;
    if (dtype === undefined) {
      throw new ModelLoadError(
        "AOTIHUB_WARMUP_UNKNOWN_DTYPE",
        `Cannot warm up variant ${variant.name}: its bucket does not name input ${name}'s dtype.`,
        {
          expected: `bucket.dtypes.${name} in the manifest (aotihub_export writes it)`,
          received: `bucket ${JSON.stringify(variant.bucket)}`,
          hint: "re-export the model with a current aotihub_export, or load without warmup",
        },
      );
    }
    const shape = dims.map((d) => (typeof d === "number" ? d : d[0]));
    const numel = shape.reduce((a, b) => a * b, 1);
    inputs[name] = {
      dtype,
      shape,
      data: typedArrayFor(dtype, new ArrayBuffer(numel * itemSizeOf(dtype)), 0, numel),
    } as Tensor;
  }
  return inputs;
}
