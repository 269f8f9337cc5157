import { describe, expect, it } from "vitest";
import { parseExternNodes } from "../../lib/kernels/extern-nodes.js";
import { bindCallToSchema, parseOpSchema } from "../../lib/kernels/op-schema.js";

// The model's custom-op calls (wrapper.json nodes as torch.export serializes them) bound to the
// schema libtorch prints for the registered op: what the proxy executor will put on the stack.

const node = (
  inputs: [string, Record<string, unknown>][],
  outputs: Record<string, unknown>[] = [{ as_tensor: {} }],
) =>
  parseExternNodes(
    {
      nodes: [
        {
          name: "buf0",
          node: { target: "ns::op", inputs: inputs.map(([name, arg]) => ({ name, arg, kind: 1 })), outputs },
        },
      ],
    },
    "test.pt2",
  )[0]!;

describe("parseOpSchema", () => {
  it("reads arguments (alias annotations, defaults, kwarg-only marker, fixed-size lists) and returns", () => {
    const schema = parseOpSchema(
      "ns::fwd.out(Tensor(a!) q, Tensor? k=None, int[2] pad=[0, 0], *, float? scale=None, bool causal=False) -> (Tensor(a!), Tensor)",
    );
    expect(schema.args).toEqual([
      { type: "Tensor", name: "q" },
      { type: "Tensor?", name: "k" },
      { type: "int[]", name: "pad" },
      { type: "float?", name: "scale" },
      { type: "bool", name: "causal" },
    ]);
    expect(schema.returns).toEqual(["Tensor", "Tensor"]);
  });
});

describe("bindCallToSchema", () => {
  const schema = parseOpSchema(
    "ns::op(Tensor x, Tensor? bias, float? scale, int? window, bool causal=False, int[] dims=[]) -> Tensor",
  );

  it("marks values given for optional parameters as optionals and keeps None", () => {
    const call = node([
      ["x", { as_tensor: { name: "a" } }],
      ["bias", { as_tensor: { name: "b" } }],
      ["scale", { as_float: 0.125 }],
      ["window", { as_none: true }],
      ["causal", { as_bool: true }],
      ["dims", { as_ints: [0, 1] }],
    ]);
    expect(bindCallToSchema(call, schema, "k").args.map((a) => a.kind)).toEqual([
      "tensor",
      "optional_tensor",
      "optional_float",
      "none",
      "bool",
      "ints",
    ]);
  });

  it("lists every difference from the registered schema", () => {
    const call = node([
      ["x", { as_tensor: { name: "a" } }],
      ["bias", { as_float: 1 }],
      ["alpha", { as_float: 0.5 }],
    ]);
    const error = (() => {
      try {
        bindCallToSchema(call, schema, "k");
      } catch (e) {
        return e as { code: string; received: string };
      }
      return null;
    })();
    expect(error?.code).toBe("AOTIHUB_KERNEL_OP_SCHEMA_MISMATCH");
    expect(error?.received).toContain("6 arguments registered, the model passes 3");
    expect(error?.received).toContain("bias: registered Tensor?, the model passes float");
    expect(error?.received).toContain("argument 2 is scale, the model passes alpha");
  });

  it("refuses a None for a parameter that is not optional", () => {
    const call = node([
      ["x", { as_none: true }],
      ["bias", { as_none: true }],
      ["scale", { as_none: true }],
      ["window", { as_none: true }],
      ["causal", { as_bool: false }],
      ["dims", { as_ints: [] }],
    ]);
    expect(() => bindCallToSchema(call, schema, "k")).toThrow(/x: registered Tensor, the model passes none/);
  });
});

describe("parseExternNodes", () => {
  it("refuses argument kinds the executor cannot replay", () => {
    expect(() => node([["name", { as_string: "gelu" }]])).toThrow(
      expect.objectContaining({ code: "AOTIHUB_KERNEL_CALL_UNSUPPORTED" }),
    );
  });

  it("splits the overload from the op name", () => {
    const parsed = parseExternNodes(
      { nodes: [{ node: { target: "_flash_attn3_abc::fwd.default", inputs: [], outputs: [] } }] },
      "x.pt2",
    )[0]!;
    expect([parsed.opName, parsed.overload]).toEqual(["_flash_attn3_abc::fwd", "default"]);
  });
});
