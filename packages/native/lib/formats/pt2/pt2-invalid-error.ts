import { AotihubError } from "@aotihub/registry";

export interface Pt2ProblemDetails {
  /** The zip entry at fault, when there is one. */
  entry?: string;
  expected: string;
  received: string;
  hint?: string;
  cause?: unknown;
}

const DEFAULT_HINT =
  "the file is not an intact AOTInductor package: download it again, or re-export it with " +
  "torch._inductor.aoti_compile_and_package";

/** A `.pt2` file that cannot be used as it is; always code `AOTIHUB_PT2_INVALID`. */
export class Pt2InvalidError extends AotihubError {
  readonly path: string;
  readonly entry: string | undefined;

  constructor(path: string, problem: string, details: Pt2ProblemDetails) {
    const where = details.entry === undefined ? "" : ` (entry "${details.entry}")`;
    super("AOTIHUB_PT2_INVALID", `Invalid .pt2 package ${path}${where}: ${problem}`, {
      expected: details.expected,
      received: details.received,
      hint: details.hint ?? DEFAULT_HINT,
      cause: details.cause,
    });
    this.path = path;
    this.entry = details.entry;
  }
}
