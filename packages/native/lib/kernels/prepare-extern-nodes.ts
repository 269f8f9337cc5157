import { readFile } from "node:fs/promises";
import { binding } from "../binding.js";
import { type ExternNode, parseExternNodes } from "./extern-nodes.js";
import { KernelError } from "./kernel-errors.js";
import { bindCallToSchema, parseOpSchema } from "./op-schema.js";

/**
 * The custom-op calls of one compiled model, each checked against the op as the loaded kernels
 * registered it. Empty for a model without custom ops (no `<hash>.wrapper.json`). Runs after the
 * kernels are loaded and before the model is: a missing op or a different signature is refused
 * here, never met inside a run. `externNodesPath` is the call table as verifyAndExtractPt2 copied
 * it out of the verified package (never the package re-read by path); `packagePath` names it.
 */
export async function prepareExternNodes(
  externNodesPath: string | null,
  packagePath: string,
  loadedKernels: readonly string[],
): Promise<ExternNode[]> {
  if (externNodesPath === null) return [];
  const json: unknown = JSON.parse(await readFile(externNodesPath, "utf8"));
  const kernels = loadedKernels.length > 0 ? loadedKernels.join(", ") : "no kernel";
  return parseExternNodes(json, packagePath).map((node) => {
    const probed = binding().probeOpSchema(node.opName, node.overload);
    if (!probed.available) {
      throw new KernelError(
        "AOTIHUB_KERNEL_SCHEMA_UNVERIFIABLE",
        `Cannot check ${node.target} before calling it.`,
        {
          expected:
            "a libtorch whose dispatcher aotihub can ask for an op's schema (verified: torch 2.11, 2.13)",
          received: `${packagePath} calls ${node.target}; this libtorch's dispatcher layout is not the one aotihub knows`,
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
