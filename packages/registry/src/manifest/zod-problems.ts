import type { z } from "zod";
import type { ManifestProblem } from "./manifest-error.js";

/** Zod's issues as our problems: every issue, with its path kept as JSON keys and indexes. */
export function zodProblems(error: z.ZodError): ManifestProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
}
