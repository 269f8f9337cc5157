import { InputMismatchError } from "../errors/native-errors.js";
import { DTYPES, isTorchDtypeName } from "../tensor/dtypes.js";
import { isDeviceTensor, type RunInput } from "./tensor.js";

/**
 * Puts positional or named inputs in the container's order and checks each one is a well-formed
 * tensor (known dtype, whole non-negative dims, the dtype's TypedArray holding exactly numel items).
 */
export function normalizeInputs(
  inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
  inputNames: readonly string[],
): RunInput[] {
  let ordered: RunInput[];
  if (Array.isArray(inputs)) {
    if (inputs.length !== inputNames.length) {
      throw mismatch(
        `Expected ${inputNames.length} inputs, got ${inputs.length}.`,
        inputNames,
        `${inputs.length} tensors`,
      );
    }
    ordered = [...inputs];
  } else {
    const named = inputs as Readonly<Record<string, RunInput>>;
    const unknown = Object.keys(named).filter((k) => !inputNames.includes(k));
    const missing = inputNames.filter((k) => !Object.hasOwn(named, k));
    if (unknown.length > 0 || missing.length > 0) {
      throw mismatch(
        "Named inputs do not match the model's inputs.",
        inputNames,
        `${Object.keys(named).join(", ") || "none"}${missing.length ? ` (missing ${missing.join(", ")})` : ""}${unknown.length ? ` (unknown ${unknown.join(", ")})` : ""}`,
      );
    }
    ordered = inputNames.map((name) => named[name] as RunInput);
  }
  ordered.forEach((tensor, i) => {
    checkTensor(tensor, inputNames[i] ?? String(i));
  });
  return ordered;
}

function checkTensor(tensor: RunInput, name: string): void {
  if (isDeviceTensor(tensor)) return;
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
