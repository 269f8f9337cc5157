import { KernelError } from "./kernel-errors.js";

/**
 * One custom-op call of a compiled model, as the proxy executor replays it: the op, and per schema
 * argument what the generated code passes (flat tensors and ints) or what the JSON holds (floats,
 * bools, None). Read from the package's `<hash>.wrapper.json` (torch.export's serialized nodes),
 * which lists every argument, defaults included, in schema order.
 */
export interface ExternNode {
  /** "ns::op.overload" as the model names it. */
  target: string;
  opName: string;
  overload: string;
  args: ExternArg[];
  returns: ("tensor" | "none")[];
}

export interface ExternArg {
  name: string;
  kind:
    | "tensor"
    | "optional_tensor"
    | "tensors"
    | "optional_tensors"
    | "int"
    | "optional_int"
    | "ints"
    | "float"
    | "optional_float"
    | "bool"
    | "optional_bool"
    | "none";
  count?: number;
  number?: number;
  present?: boolean[];
}

interface SerializedArg {
  name?: unknown;
  arg?: Record<string, unknown>;
}

/**
 * Parses the extern nodes of a wrapper JSON. `optional` per argument comes from the registered
 * schema (a `Tensor?` given a tensor is passed as an optional); pass an empty set when unknown.
 */
export function parseExternNodes(json: unknown, source: string): ExternNode[] {
  const nodes = (json as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes))
    throw unsupported(source, "the extern-node JSON has no `nodes` list", String(json));
  return nodes.map((entry, index) =>
    parseNode((entry as { node?: unknown })?.node, `${source} node ${index}`),
  );
}

function parseNode(node: unknown, where: string): ExternNode {
  const n = node as { target?: unknown; inputs?: unknown; outputs?: unknown } | undefined;
  if (typeof n?.target !== "string" || !Array.isArray(n.inputs) || !Array.isArray(n.outputs))
    throw unsupported(
      where,
      "a node without target, inputs and outputs",
      JSON.stringify(node)?.slice(0, 200),
    );
  if (n.target === "call_torchbind")
    throw unsupported(where, "a torchbind method call (custom classes are not supported)", n.target);
  const [opName, overload = ""] = splitTarget(n.target);
  return {
    target: n.target,
    opName,
    overload,
    args: (n.inputs as SerializedArg[]).map((input) => parseArg(input, `${where} (${n.target})`)),
    returns: (n.outputs as Record<string, unknown>[]).map((output) =>
      parseReturn(output, `${where} (${n.target})`),
    ),
  };
}

function splitTarget(target: string): [string, string?] {
  const dot = target.indexOf(".", target.indexOf("::") + 2);
  return dot < 0 ? [target] : [target.slice(0, dot), target.slice(dot + 1)];
}

function parseArg(input: SerializedArg, where: string): ExternArg {
  const name = typeof input.name === "string" ? input.name : "?";
  const entries = Object.entries(input.arg ?? {});
  if (entries.length !== 1)
    throw unsupported(where, `argument ${name} is not one tagged value`, JSON.stringify(input));
  const [tag, value] = entries[0]!;
  switch (tag) {
    case "as_tensor":
      return { name, kind: "tensor" };
    case "as_optional_tensor":
      return isNoneTag(value) ? { name, kind: "none" } : { name, kind: "optional_tensor" };
    case "as_tensors":
      return { name, kind: "tensors", count: (value as unknown[]).length };
    case "as_optional_tensors":
      return {
        name,
        kind: "optional_tensors",
        present: (value as Record<string, unknown>[]).map((item) => Object.keys(item)[0] === "as_tensor"),
      };
    case "as_int":
    case "as_sym_int":
      return { name, kind: "int" };
    case "as_ints":
    case "as_sym_ints":
      return { name, kind: "ints", count: (value as unknown[]).length };
    case "as_float":
      return { name, kind: "float", number: Number(value) };
    case "as_bool":
      return { name, kind: "bool", number: value === true ? 1 : 0 };
    case "as_none":
      return { name, kind: "none" };
    default:
      throw unsupported(where, `argument ${name} of type ${tag}`, JSON.stringify(value));
  }
}

function isNoneTag(value: unknown): boolean {
  return typeof value === "object" && value !== null && "as_none" in value;
}

function parseReturn(output: Record<string, unknown>, where: string): "tensor" | "none" {
  const tag = Object.keys(output)[0];
  if (tag === "as_tensor") return "tensor";
  if (tag === "as_none") return "none";
  throw unsupported(where, `a return of type ${tag}`, JSON.stringify(output));
}

function unsupported(where: string, what: string, received: string | undefined): KernelError {
  return new KernelError(
    "AOTIHUB_KERNEL_CALL_UNSUPPORTED",
    `${where}: the model makes a custom-op call aotihub cannot replay.`,
    {
      expected:
        "ops taking tensors, tensor lists, ints, int lists, floats, bools and optionals, returning tensors",
      received: `${what}: ${received ?? ""}`,
      hint: "export the model with an op of that shape, or file an issue with the op's schema",
    },
  );
}
