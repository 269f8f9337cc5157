export { type ExternArg, type ExternNode, parseExternNodes } from "./extern-nodes.js";
export { KernelError } from "./kernel-errors.js";
export { loadKernelLibraries } from "./load-kernel-libraries.js";
export { bindCallToSchema, type OpSchema, parseOpSchema } from "./op-schema.js";
