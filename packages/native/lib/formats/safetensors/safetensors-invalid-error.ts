import { AotihubError } from "@aotihub/registry";

export interface SafetensorsProblemDetails {
  /** The tensor at fault, when there is one. */
  tensor?: string;
  expected: string;
  received: string;
  hint?: string;
  cause?: unknown;
}

const DEFAULT_HINT =
  "the file is not an intact safetensors file: download it again, or re-save it with safetensors.torch.save_file";

/** A safetensors file or index that cannot be used as it is; always code `AOTIHUB_SAFETENSORS_INVALID`. */
export class SafetensorsInvalidError extends AotihubError {
  readonly path: string;
  readonly tensor: string | undefined;

  constructor(path: string, problem: string, details: SafetensorsProblemDetails) {
    const where = details.tensor === undefined ? "" : ` (tensor "${details.tensor}")`;
    super("AOTIHUB_SAFETENSORS_INVALID", `Invalid safetensors ${path}${where}: ${problem}`, {
      expected: details.expected,
      received: details.received,
      hint: details.hint ?? DEFAULT_HINT,
      cause: details.cause,
    });
    this.path = path;
    this.tensor = details.tensor;
  }
}
