import { InputMismatchError } from "../errors/native-errors.js";
import { DTYPES, isTorchDtypeName, type TensorData, type TorchDtypeName } from "../tensor/dtypes.js";
import { type DeviceTensor, isDeviceTensor, type RunInput } from "./tensor.js";

/** A host input as native code receives it: the caller's dtype and data, and our own copy of its shape. */
export interface HostInput {
  dtype: TorchDtypeName;
  shape: number[];
  data: TensorData;
}

/**
 * Puts positional or named inputs in the container's order and checks each one is a well-formed
 * tensor (known dtype, whole non-negative dims, the dtype's TypedArray holding exactly numel items).
 * Host tensors come back as snapshots (their shape copied), device tensors as they are.
 *
 * This runs on every call, so the success path allocates only the result and the snapshots (no
 * second pass, no key lists); the error paths may be slow.
 */
export function normalizeInputs(
  inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
  inputNames: readonly string[],
): (HostInput | DeviceTensor)[] {
  const ordered: (HostInput | DeviceTensor)[] = [];
  if (Array.isArray(inputs)) {
    if (inputs.length !== inputNames.length) {
      throw mismatch(
        `Expected ${inputNames.length} inputs, got ${inputs.length}.`,
        inputNames,
        `${inputs.length} tensors`,
      );
    }
    // Each element is read once: what is checked is what is run (the caller's array is not kept).
    for (let i = 0; i < inputs.length; i++) ordered.push(checkTensor(inputs[i], inputNames[i] ?? String(i)));
  } else {
    const named = inputs as Readonly<Record<string, RunInput>>;
    if (!sameNames(named, inputNames)) {
      const unknown = Object.keys(named).filter((k) => !inputNames.includes(k));
      const missing = inputNames.filter((k) => !Object.hasOwn(named, k));
      throw mismatch(
        "Named inputs do not match the model's inputs.",
        inputNames,
        `${Object.keys(named).join(", ") || "none"}${missing.length ? ` (missing ${missing.join(", ")})` : ""}${unknown.length ? ` (unknown ${unknown.join(", ")})` : ""}`,
      );
    }
    // All elements are read before any is checked, as before (a getter sees the same order).
    const picked: RunInput[] = [];
    for (const name of inputNames) picked.push(named[name] as RunInput);
    for (let i = 0; i < picked.length; i++) ordered.push(checkTensor(picked[i], inputNames[i]!));
  }
  return ordered;
}

/** No unknown key among `named`'s own enumerable ones and none of `inputNames` missing. */
function sameNames(named: Readonly<Record<string, RunInput>>, inputNames: readonly string[]): boolean {
  for (const key of Object.keys(named)) if (!inputNames.includes(key)) return false;
  for (const name of inputNames) if (!Object.hasOwn(named, name)) return false;
  return true;
}

function checkTensor(tensor: RunInput | undefined, name: string): HostInput | DeviceTensor {
  if (isDeviceTensor(tensor)) return tensor;
  if (tensor === null || typeof tensor !== "object")
    throw bad(name, "a tensor { dtype, shape, data }", typeof tensor);
  if (!isTorchDtypeName(tensor.dtype))
    throw bad(name, `a dtype among ${Object.keys(DTYPES).join(", ")}`, String(tensor.dtype));
  if (!Array.isArray(tensor.shape) || !tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad(name, "a shape of whole non-negative numbers", JSON.stringify(tensor.shape));
  }
  const { typedArray } = DTYPES[tensor.dtype];
  if (!(tensor.data instanceof typedArray)) {
    throw bad(
      name,
      `data as a ${typedArray.name} for ${tensor.dtype}`,
      tensor.data?.constructor?.name ?? typeof tensor.data,
    );
  }
  const numel = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== numel) {
    throw bad(name, `${numel} elements for shape [${tensor.shape.join(", ")}]`, `${tensor.data.length}`);
  }
  // The snapshot native code reads: a copy of the shape, so that nothing the caller does to its
  // array after this call (a run() may wait for its variant to open) reaches the run or the
  // choice of bucket. slice() keeps what a spread kept (a hole reads back as undefined either way).
  return { dtype: tensor.dtype, shape: tensor.shape.slice(), data: tensor.data };
}

function bad(name: string, expected: string, received: string): InputMismatchError {
  return new InputMismatchError("AOTIHUB_INPUT_INVALID", `Input "${name}" is not a valid tensor.`, {
    expected,
    received,
  });
}

function mismatch(summary: string, inputNames: readonly string[], received: string): InputMismatchError {
  return new InputMismatchError("AOTIHUB_INPUT_INVALID", summary, {
    expected: `inputs ${inputNames.join(", ")} (positional in that order, or by name)`,
    received,
  });
}
