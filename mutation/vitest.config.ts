import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The vitest config Stryker runs (scripts/mutation.sh): the same source aliases as the main config,
// but only the test files that guard the mutated modules (MUTATION_TESTS, set by the Stryker config)
// and no global setup (mutating a module needs no built CLI), so each mutant runs in seconds.
const include = (process.env.MUTATION_TESTS ?? "").split(",").filter((p) => p !== "");

export default defineConfig({
  resolve: {
    alias: {
      "@aotihub/registry": here("../packages/registry/src/index.ts"),
      "@aotihub/loader": here("../packages/loader/src/index.ts"),
      "@aotihub/native": here("../packages/native/lib/index.ts"),
      "@aotihub/hub-server/testing": here("../packages/hub-server/src/testing/index.ts"),
      "@aotihub/hub-server": here("../packages/hub-server/src/index.ts"),
    },
  },
  test: {
    env: { AOTIHUB_PYTHON: process.env.AOTIHUB_PYTHON ?? here("../.venv/bin/python") },
    root: here(".."),
    include,
    setupFiles: [here("./fixed-seed.ts")],
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
