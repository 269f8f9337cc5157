import { open } from "node:fs/promises";
import { binding } from "../binding.js";
import { readSmallEntry } from "../formats/pt2/read-small-entry.js";
import type { Pt2Package } from "../formats/pt2/types.js";
import { type ExternNode, parseExternNodes } from "./extern-nodes.js";
import { KernelError } from "./kernel-errors.js";
import { bindCallToSchema, parseOpSchema } from "./op-schema.js";

/**
 * The custom-op calls of one compiled model, each checked against the op as the loaded kernels
 * registered it. Empty for a model without custom ops (no `<hash>.wrapper.json`). Runs after the
 * kernels are loaded and before the model is: a missing op or a different signature is refused
 * here, never met inside a run.
 */
export async function prepareExternNodes(
  pkg: Pt2Package,
  modelName: string,
  loadedKernels: readonly string[],
): Promise<ExternNode[]> {
  const entry = pkg.models[modelName]?.wrapperJson ?? null;
  if (entry === null) return [];
  const handle = await open(pkg.path, "r");
  let json: unknown;
  try {
    json = JSON.parse((await readSmallEntry(handle, entry, pkg.path)).toString("utf8"));
  } finally {
    await handle.close();
  }
  const kernels = loadedKernels.length > 0 ? loadedKernels.join(", ") : "no kernel";
  return parseExternNodes(json, pkg.path).map((node) => {
    const probed = binding().probeOpSchema(node.opName, node.overload);
    if (!probed.available) {
      throw new KernelError(
        "AOTIHUB_KERNEL_SCHEMA_UNVERIFIABLE",
        `Cannot check ${node.target} before calling it.`,
        {
          expected:
            "a libtorch whose dispatcher aotihub can ask for an op's schema (verified: torch 2.11, 2.13)",
          received: `${pkg.path} calls ${node.target}; this libtorch's dispatcher layout is not the one aotihub knows`,
          hint: "run with a torch version aotihub supports for custom ops",
        },
      );
    }
    if (!probed.found) {
      throw new KernelError(
        "AOTIHUB_KERNEL_OP_MISSING",
        `The model calls ${node.target}, which no loaded kernel registers.`,
        {
          expected: `an op ${node.target} registered by the model's kernels (loaded: ${kernels})`,
          received: `no op ${node.target} in libtorch's dispatcher`,
          hint: "list the kernel in the artifact's `kernels` (aotihub.json) and use the build the model was exported with: kernels-community op namespaces carry the build's hash",
        },
      );
    }
    return bindCallToSchema(node, parseOpSchema(probed.schema), kernels);
  });
}
