// Mutation testing of @aotihub/registry against its unit tables (scripts/mutation.sh registry).
import { strykerConfig } from "./stryker-base.mjs";

export default strykerConfig({
  name: "registry",
  mutate: ["packages/registry/src/**/*.ts", "!packages/registry/src/**/index.ts"],
  tests: ["packages/registry/test/**/*.test.ts"],
});
