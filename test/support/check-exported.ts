import { join } from "node:path";
import { runPython } from "./python.js";
import { repoRoot } from "./repo-root.js";

export interface OutputComparison {
  sameMeta: boolean;
  bitIdentical: boolean;
  relError: number | null;
  maxAbs: number | null;
}

export interface ArtifactCheck {
  path: string;
  /** Original FQNs the package's container asks for (GetConstantOriginalFQN). */
  needed: string[];
  /** Of those, the ones no weight set of the repo holds. */
  missing: string[];
  outputCount?: [number, number];
  outputs: OutputComparison[];
}

/** Loads every artifact of the repos in Python (aoti_load_package + user-managed constants) and
 * compares its outputs with the eager ones in io/. */
export async function checkExportedInPython(repos: string[]): Promise<Record<string, ArtifactCheck[]>> {
  const script = join(repoRoot, "test", "support", "check_exported.py");
  const { stdout } = await runPython([script, ...repos]);
  return JSON.parse(stdout) as Record<string, ArtifactCheck[]>;
}
