import { ModelLoadError } from "../errors/native-errors.js";
import type { CompiledConstant } from "../formats/pt2/read-constant-shapes.js";
import type { WeightSet } from "../formats/safetensors/types.js";

/**
 * Refuses weights whose tensor for a constant has another shape than the model was compiled with.
 * The native binding checks byte sizes only, and a transposed matrix has the right byte size: bound,
 * it gives wrong results and no error. Looked up as the binding does: by original FQN, then name;
 * a variant's own (override) weights first.
 */
export function checkConstantShapes(
  variant: string,
  path: string,
  constants: readonly CompiledConstant[] | null,
  sets: readonly WeightSet[],
): void {
  if (constants === null) return;
  const problems: string[] = [];
  for (const constant of constants) {
    const keys = constant.fqn === "" ? [constant.name] : [constant.fqn, constant.name];
    const found = keys.flatMap((key) => sets.map((set) => set.tensors.get(key))).find((t) => t !== undefined);
    if (found === undefined) continue; // folded or missing: the binding reports a missing constant
    const shape = found.info.shape;
    if (shape.length !== constant.shape.length || shape.some((d, i) => d !== constant.shape[i]))
      problems.push(
        `${constant.fqn || constant.name}: [${shape.join(", ")}] in ${found.file.path}, compiled for [${constant.shape.join(", ")}]`,
      );
  }
  if (problems.length === 0) return;
  throw new ModelLoadError(
    "AOTIHUB_CONSTANT_SHAPE_MISMATCH",
    `Variant ${variant} (${path}) was compiled for other weight shapes than the weights given.`,
    {
      expected: "every weight tensor with the shape the model was compiled with",
      received:
        problems.slice(0, 10).join("; ") + (problems.length > 10 ? `; and ${problems.length - 10} more` : ""),
      hint: "use the weight files of the manifest's profile for this artifact; a transposed or reshaped tensor of the same size would give wrong results",
    },
  );
}

/** The manifest's record of the shapes must agree with the package's own: either may be forged. */
export function checkManifestShapes(
  variant: string,
  path: string,
  constants: readonly CompiledConstant[] | null,
  recorded: Readonly<Record<string, readonly number[]>> | undefined,
): void {
  if (constants === null || recorded === undefined) return;
  const problems = constants.flatMap((c) => {
    const shape = Object.hasOwn(recorded, c.fqn) ? recorded[c.fqn] : undefined;
    if (shape === undefined || (shape.length === c.shape.length && shape.every((d, i) => d === c.shape[i])))
      return [];
    return [
      `${c.fqn}: the manifest says [${shape.join(", ")}], the package was compiled for [${c.shape.join(", ")}]`,
    ];
  });
  if (problems.length === 0) return;
  throw new ModelLoadError(
    "AOTIHUB_CONSTANT_SHAPE_MISMATCH",
    `Variant ${variant} (${path}) does not have the constant shapes its manifest records.`,
    {
      expected: "the shapes in the manifest's artifacts[].constants",
      received: problems.slice(0, 10).join("; "),
      hint: "the manifest and the package were not exported together; export them again",
    },
  );
}
