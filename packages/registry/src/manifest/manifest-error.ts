import { AotihubError } from "../errors/aotihub-error.js";

/** One thing wrong with a document, at its JSON path (`artifacts[2].sha256`). */
export interface ManifestProblem {
  path: (string | number)[];
  message: string;
}

export type ManifestDocumentKind = "manifest" | "index";

/**
 * A manifest (or alias index) that does not follow the convention. Lists every problem with its JSON
 * path, not just the first, so a publisher fixes them in one pass.
 */
export class ManifestError extends AotihubError {
  readonly problems: ManifestProblem[];
  readonly kind: ManifestDocumentKind;

  constructor(kind: ManifestDocumentKind, problems: ManifestProblem[], source?: string) {
    const what = kind === "manifest" ? "aotihub.json manifest" : "aotihub alias index";
    const where = source === undefined ? "" : ` (${source})`;
    const list = problems.map((p) => `\n  - ${formatJsonPath(p.path)}: ${p.message}`).join("");
    super(
      kind === "manifest" ? "AOTIHUB_MANIFEST_INVALID" : "AOTIHUB_INDEX_INVALID",
      `Invalid ${what}${where}: ${problems.length} problem${problems.length === 1 ? "" : "s"}${list}`,
      {
        hint:
          kind === "manifest"
            ? "fix the fields listed above (docs/hub-convention.md describes each one) and publish again"
            : "fix the aliases listed above (docs/hub-convention.md, section on the alias index)",
      },
    );
    this.problems = problems;
    this.kind = kind;
  }
}

/** `["artifacts", 2, "sha256"]` -> `artifacts[2].sha256`; the root is `(root)`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text === "" ? "(root)" : text;
}
