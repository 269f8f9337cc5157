import type { ExternArg, ExternNode } from "./extern-nodes.js";
import { KernelError } from "./kernel-errors.js";

export interface SchemaArg {
  /** The type without alias annotations, e.g. `Tensor?`, `int[]`, `SymInt`. */
  type: string;
  name: string;
}

export interface OpSchema {
  text: string;
  args: SchemaArg[];
  returns: string[];
}

/** Parses what libtorch prints for a FunctionSchema: `ns::op.overload(Type name=default, *, ...) -> Ret`. */
export function parseOpSchema(text: string): OpSchema {
  const open = text.indexOf("(");
  const arrow = text.lastIndexOf(") -> ");
  if (open < 0 || arrow < open) return { text, args: [], returns: [] };
  const args = splitTopLevel(text.slice(open + 1, arrow))
    .filter((part) => part !== "*")
    .map((part) => {
      const declaration = part.split("=")[0]!.trim();
      const space = declaration.lastIndexOf(" ");
      return { type: stripAlias(declaration.slice(0, space)), name: declaration.slice(space + 1) };
    });
  const ret = text.slice(arrow + 5).trim();
  const inner = ret.startsWith("(") ? ret.slice(1, -1) : ret;
  const returns = splitTopLevel(inner).map((r) => stripAlias(r.split(" ")[0]!));
  return { text, args, returns };
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of list) {
    if (ch === "(" || ch === "[") depth++;
    if (ch === ")" || ch === "]") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

/** `Tensor(a!)` -> `Tensor`, `Tensor(a)?` -> `Tensor?`, `int[2]` -> `int[]`. */
function stripAlias(type: string): string {
  return type.replace(/\([^)]*\)/g, "").replace(/\[\d+\]/g, "[]");
}

/**
 * Checks the model's call against the op the loaded kernel registers, argument by argument, and
 * returns the call with optionals marked (a `Tensor?` given a tensor is passed boxed). Throws
 * AOTIHUB_KERNEL_OP_SCHEMA_MISMATCH listing every difference: a stack that does not fit the schema
 * would crash inside the dispatcher, so nothing is called unless everything fits.
 */
export function bindCallToSchema(node: ExternNode, schema: OpSchema, kernel: string): ExternNode {
  const problems: string[] = [];
  if (schema.args.length !== node.args.length)
    problems.push(`${schema.args.length} arguments registered, the model passes ${node.args.length}`);
  const args: ExternArg[] = node.args.map((arg, i) => {
    const expected = schema.args[i];
    if (expected === undefined) return arg;
    if (expected.name !== arg.name)
      problems.push(`argument ${i} is ${expected.name}, the model passes ${arg.name}`);
    const bound = bindArg(arg, expected.type);
    if (bound === null)
      problems.push(`${expected.name}: registered ${expected.type}, the model passes ${arg.kind}`);
    return bound ?? arg;
  });
  const tensorReturns = node.returns.filter((r) => r === "tensor").length;
  const schemaTensorReturns = schema.returns.filter((r) => r === "Tensor").length;
  if (schema.returns.length !== node.returns.length || schemaTensorReturns !== tensorReturns)
    problems.push(
      `returns (${schema.returns.join(", ")}), the model expects ${node.returns.length} (${node.returns.join(", ")})`,
    );
  const unsupportedReturn = schema.returns.find((r) => r !== "Tensor" && r !== "NoneType");
  if (unsupportedReturn !== undefined && problems.length === 0)
    problems.push(`returns ${unsupportedReturn}, which aotihub cannot hand back to the model`);
  if (problems.length > 0) {
    throw new KernelError(
      "AOTIHUB_KERNEL_OP_SCHEMA_MISMATCH",
      `The kernel ${kernel} registers ${node.target} with another signature than the model calls.`,
      {
        expected: `the call the model was compiled with: ${describeCall(node)}`,
        received: `${schema.text}: ${problems.join("; ")}`,
        hint: "use the kernel revision the model was exported with (pin it in aotihub.lock), or export the model again against this kernel",
      },
    );
  }
  return { ...node, args };
}

function bindArg(arg: ExternArg, type: string): ExternArg | null {
  const optional = type.endsWith("?");
  const base = optional ? type.slice(0, -1) : type;
  switch (arg.kind) {
    case "none":
      return optional ? arg : null;
    case "tensor":
      if (base !== "Tensor") return null;
      return optional ? { ...arg, kind: "optional_tensor" } : arg;
    case "optional_tensor":
      return base === "Tensor" && optional ? arg : null;
    case "tensors":
      if (base === "Tensor[]" && !optional) return arg;
      if (base === "Tensor?[]" && !optional)
        return { name: arg.name, kind: "optional_tensors", present: new Array(arg.count ?? 0).fill(true) };
      return null;
    case "optional_tensors":
      return base === "Tensor?[]" && !optional ? arg : null;
    case "int":
      if (base !== "int" && base !== "SymInt") return null;
      return optional ? { ...arg, kind: "optional_int" } : arg;
    case "ints":
      return (base === "int[]" || base === "SymInt[]") && !optional ? arg : null;
    case "float":
      if (base !== "float") return null;
      return optional ? { ...arg, kind: "optional_float" } : arg;
    case "bool":
      if (base !== "bool") return null;
      return optional ? { ...arg, kind: "optional_bool" } : arg;
    default:
      return null;
  }
}

function describeCall(node: ExternNode): string {
  return `${node.target}(${node.args.map((a) => `${a.name}: ${a.kind}`).join(", ")}) -> ${node.returns.length} output(s)`;
}
