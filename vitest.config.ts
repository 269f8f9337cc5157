import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import packages by their public names; resolve them to source so a test run never
// depends on a stale dist/ (the native addon itself is still built by node-gyp first).
export default defineConfig({
  resolve: {
    alias: {
      "@aotihub/registry": here("./packages/registry/src/index.ts"),
      "@aotihub/loader": here("./packages/loader/src/index.ts"),
      "@aotihub/native": here("./packages/native/lib/index.ts"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    reporters: ["default"],
  },
});
