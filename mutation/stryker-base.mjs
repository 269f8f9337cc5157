// What every mutation run shares: the vitest runner on mutation/vitest.config.ts, restricted to the
// test files that guard the mutated modules, at most 2 processes (the CI machine has 2 cores).
export function strykerConfig({ name, mutate, tests, concurrency = 2, timeoutMS = 60_000 }) {
  process.env.MUTATION_TESTS = tests.join(",");
  // property tests rerun for every mutant they cover: a fifth of their samples keeps a run in
  // minutes on 2 cores (packages/registry/test/properties.test.ts reads this)
  process.env.PROPERTY_RUNS_SCALE ??= "0.2";
  return {
    testRunner: "vitest",
    // pnpm does not hoist the runner beside @stryker-mutator/core, so name the plugin explicitly
    plugins: ["@stryker-mutator/vitest-runner"],
    vitest: { configFile: "mutation/vitest.config.ts", related: false },
    mutate,
    coverageAnalysis: "perTest",
    // Static mutants (module-level code: zod schemas, constant tables) rerun every test file for
    // each mutant, which is most of a run's time here; they are reported as ignored, not scored.
    ignoreStatic: true,
    concurrency,
    timeoutMS,
    reporters: ["clear-text", "progress", "json"],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
    // the sandbox copies the checkout; leave out what no mutated module or guarding test reads
    // (the native addon itself stays: the loader's download and cache modules hash and lock through it)
    ignorePatterns: [
      "python",
      "bench",
      ".venv",
      ".cache",
      "packages/native/build/*",
      "!packages/native/build/Release",
      "packages/native/build/Release/*",
      "!packages/native/build/Release/*.node",
      "reports",
      "**/dist",
    ],
    // a later run re-tests only the mutants whose code or covering tests changed
    incremental: true,
    incrementalFile: `reports/mutation/${name}-incremental.json`,
    tempDirName: ".stryker-tmp",
    cleanTempDir: true,
  };
}
