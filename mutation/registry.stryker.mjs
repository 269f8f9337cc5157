// Mutation testing of @aotihub/registry against its unit tables (scripts/mutation.sh registry).
// MUTATION_SCOPE=<folder> (scripts/mutation.sh registry <folder>) mutates one folder of src/ with its
// own report and incremental file, so a 2-core machine can measure the package folder by folder and
// a rerun retests only what changed; mutation/summarize.mjs adds the folders up.
import { strykerConfig } from "./stryker-base.mjs";

const scope = process.env.MUTATION_SCOPE ?? "";
const root = "packages/registry/src";

export default strykerConfig({
  name: scope === "" ? "registry" : `registry-${scope}`,
  mutate: [scope === "" ? `${root}/**/*.ts` : `${root}/${scope}/**/*.ts`, `!${root}/**/index.ts`],
  tests: ["packages/registry/test/**/*.test.ts"],
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
});
