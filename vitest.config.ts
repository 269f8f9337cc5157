import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import packages by their public names; resolve them to source so a test run never
// depends on a stale dist/ (the native addon itself is still built by node-gyp first).
export default defineConfig({
  resolve: {
    alias: {
      "@aotihub/registry": here("./packages/registry/src/index.ts"),
      "@aotihub/loader/cuda-early": here("./packages/loader/src/cuda-early.ts"),
      "@aotihub/native/cuda-early": here("./packages/native/lib/cuda-early.ts"),
      "@aotihub/loader": here("./packages/loader/src/index.ts"),
      "@aotihub/native": here("./packages/native/lib/index.ts"),
      // the subpath before the package: an alias also matches as a prefix
      "@aotihub/hub-server/testing": here("./packages/hub-server/src/testing/index.ts"),
      "@aotihub/hub-server": here("./packages/hub-server/src/index.ts"),
    },
  },
  test: {
    // The project-local Python with torch (scripts/bootstrap.sh makes it), unless one is named.
    env: { AOTIHUB_PYTHON: process.env.AOTIHUB_PYTHON ?? here("./.venv/bin/python") },
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    reporters: ["default"],
  },
});
