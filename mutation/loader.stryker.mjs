// Mutation testing of the loader's download, cache and trust modules against the loopback tests
// that guard them (scripts/mutation.sh loader [download|cache|trust]). The 1 GiB large-file test is
// left out (minutes per mutant); the cache CLI commands are guarded by their own child-process
// tests, not run here. One module at a time runs only the test files that reach it, so a run on
// the shared 2-core machine stays within minutes per module.
import { strykerConfig } from "./stryker-base.mjs";

const guards = {
  download: ["packages/loader/test/download-faults.test.ts", "packages/loader/test/hub-error-codes.test.ts"],
  cache: [
    "packages/loader/test/cache-safety/*.test.ts",
    "packages/loader/test/trust/cache-paths.test.ts",
    "packages/loader/test/hub-error-codes.test.ts",
  ],
  trust: ["packages/loader/test/trust/trust.test.ts", "packages/loader/test/lockfile/lockfile.test.ts"],
};
const scope = process.env.MUTATION_SCOPE ?? "";
if (scope !== "" && !(scope in guards))
  throw new Error(`unknown loader module ${scope} (have: ${Object.keys(guards)})`);
const modules = scope === "" ? Object.keys(guards) : [scope];

export default strykerConfig({
  name: scope === "" ? "loader" : `loader-${scope}`,
  mutate: [...modules.map((m) => `packages/loader/src/${m}/*.ts`), "!packages/loader/src/**/index.ts"],
  tests: [...new Set(modules.flatMap((m) => guards[m]))],
  timeoutMS: 120_000,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
});
