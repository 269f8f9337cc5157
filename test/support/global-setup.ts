import { execFileSync } from "node:child_process";
import { repoRoot } from "./repo-root.js";

/**
 * CLI tests run what users run: the compiled `aotihub` in packages/*\/dist. Build the TypeScript
 * once before any test file starts (parallel test files must not rebuild it under each other),
 * unless scripts/test.sh already built everything (AOTIHUB_BUILT=1).
 */
export default function setup(): void {
  if (process.env.AOTIHUB_BUILT === "1") return;
  execFileSync("pnpm", ["run", "--silent", "build:ts"], { cwd: repoRoot, stdio: "inherit" });
}
