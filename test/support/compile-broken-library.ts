import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

/** Builds one of test/kernels/broken/*.cc into the shared library `out` (g++, with these flags). */
export function compileBrokenLibrary(source: string, out: string, flags: string[] = []): string {
  execFileSync("g++", [
    "-shared",
    "-fPIC",
    "-O1",
    ...flags,
    "-o",
    out,
    join(repoRoot, "test", "kernels", "broken", source),
    "-ldl",
  ]);
  return out;
}
