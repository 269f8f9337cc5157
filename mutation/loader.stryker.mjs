// Mutation testing of the loader's download, cache and trust modules against the loopback tests
// that guard them (scripts/mutation.sh loader). The 1 GiB large-file test is left out (minutes per
// mutant); the cache CLI commands are guarded by their own child-process tests, not run here.
import { strykerConfig } from "./stryker-base.mjs";

export default strykerConfig({
  name: "loader",
  mutate: [
    "packages/loader/src/download/*.ts",
    "packages/loader/src/cache/*.ts",
    "packages/loader/src/trust/*.ts",
    "!packages/loader/src/**/index.ts",
  ],
  tests: [
    "packages/loader/test/download-faults.test.ts",
    "packages/loader/test/hub-error-codes.test.ts",
    "packages/loader/test/trust/trust.test.ts",
    "packages/loader/test/lockfile/lockfile.test.ts",
  ],
  timeoutMS: 120_000,
});
