import { AotihubError } from "@aotihub/registry";

/** A custom-op kernel that cannot serve a model: the caller picks another build or another artifact. */
export class KernelError extends AotihubError {}
