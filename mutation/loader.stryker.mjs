// Mutation testing of the loader's download, cache and trust modules against the loopback tests
// that guard them (scripts/mutation.sh loader [download|cache|trust]). The 1 GiB large-file test is
// left out (minutes per mutant); the cache CLI commands are guarded by their own child-process
// tests, not run here. One module at a time runs only the test files that reach it, so a run on
// the shared 2-core machine stays within minutes per module.
import { strykerConfig } from "./stryker-base.mjs";

const guards = {
  // hub-error-codes only: every failure path in a few seconds; download-faults (25 s of loopback
  // faults per mutant) would make this module alone take hours on 2 cores
  download: ["packages/loader/test/hub-error-codes.test.ts", "packages/loader/test/download-details.test.ts"],
  cache: [
    "packages/loader/test/cache-safety/*.test.ts",
    "packages/loader/test/trust/cache-paths.test.ts",
    "packages/loader/test/hub-error-codes.test.ts",
  ],
  trust: [
    "packages/loader/test/trust/trust.test.ts",
    "packages/loader/test/trust/verify-file-details.test.ts",
    "packages/loader/test/lockfile/lockfile.test.ts",
  ],
};
// MUTATION_SCOPE=download-ranges: the part of download/ a 2-core machine can measure in minutes
// (its errors, the digest checks, and how one chunk is fetched, resumed and its Range answer
// checked: fetchChunk in download-blob.ts); the whole module is about 800 mutants
const narrowed = {
  "download-ranges": {
    guard: "download",
    mutate: [
      "packages/loader/src/download/download-errors.ts",
      "packages/loader/src/download/blob-verifier.ts",
      "packages/loader/src/download/download-blob.ts:238-341",
      "packages/loader/src/download/download-blob.ts:458-490",
    ],
  },
};
const requested = process.env.MUTATION_SCOPE ?? "";
const scope = narrowed[requested]?.guard ?? requested;
if (scope !== "" && !(scope in guards))
  throw new Error(`unknown loader module ${scope} (have: ${Object.keys(guards)})`);
const modules = scope === "" ? Object.keys(guards) : [scope];

export default strykerConfig({
  name: requested === "" ? "loader" : `loader-${requested}`,
  mutate: narrowed[requested]?.mutate ?? [
    ...modules.map((m) => `packages/loader/src/${m}/*.ts`),
    "!packages/loader/src/**/index.ts",
  ],
  tests: [...new Set(modules.flatMap((m) => guards[m]))],
  timeoutMS: 120_000,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
});
