// Imports the built @aotihub/loader as a user's process does (plain node, no transpiler) and,
// with "load", loads tiny-mlp from the working directory's project (config, lockfile, HF_* from
// the environment) and runs it once. Prints one JSON line: the output's shape, every module URL
// resolved through `import` (recorded by record-resolved.mjs from before the first import) and
// every CommonJS file loaded (require.cache), so that a test can say what a load pulled in.
// Arguments: <mode: import|load> <scratch file for the recorded URLs>
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const [mode, recordFile] = process.argv.slice(2);
writeFileSync(recordFile, "");
register(new URL("./record-resolved.mjs", import.meta.url), { data: { file: recordFile } });

const { loadCompiled } = await import(new URL("../../packages/loader/dist/index.js", import.meta.url).href);
const outcome = {};
if (mode === "load") {
  const model = await loadCompiled("tiny-mlp", { device: "cpu", reuse: false });
  const [out] = await model.run({
    x: { dtype: "float32", shape: [2, 8], data: new Float32Array(16).fill(0.5) },
  });
  outcome.shape = out.shape;
  model.dispose();
}
outcome.resolved = readFileSync(recordFile, "utf8").split("\n").filter(Boolean);
outcome.required = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify(outcome));
