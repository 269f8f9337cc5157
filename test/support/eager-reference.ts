import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Tensor } from "@aotihub/native";
import { readBucketIo, readTensors } from "./bucket-io.js";
import { runPython } from "./python.js";
import { repoRoot } from "./repo-root.js";
import { TEST_MODEL_SPECS, type TestModelName, type TestModels } from "./test-models.js";

/**
 * The eager outputs of test models, computed by test/support/eager_reference.py (the spec's
 * module with the repo's shipped weights loaded, run in plain PyTorch), not read from the export
 * helper's io files: the reference a compiled package is judged against must not come from the
 * code that built it. One Python process per call, for all the models asked for.
 */
export async function eagerReferences(
  models: TestModels,
  names: readonly TestModelName[],
): Promise<(name: TestModelName, bucket: string) => Promise<Tensor[]>> {
  const out = await mkdtemp(join(tmpdir(), "aotihub-eager-"));
  const pairs = names.flatMap((name) => [
    join(repoRoot, "test", "models", TEST_MODEL_SPECS[name]),
    models.models[name],
  ]);
  await runPython([join(repoRoot, "test", "support", "eager_reference.py"), out, ...pairs]);
  return async (name, bucket) => {
    if (!names.includes(name)) throw new Error(`no eager reference computed for ${name}`);
    return eagerOutputsOf(models.models[name], bucket, out);
  };
}

/**
 * A bucket's eager outputs for a repo folder: from `referencesRoot/<repo name>/<bucket>.safetensors`
 * (written by eager_reference.py, as test/gpu/run.sh does on the GPU machine), else, without a
 * references folder, the export helper's io file (`profile` picks among several).
 */
export async function eagerOutputsOf(
  repo: string,
  bucket: string,
  referencesRoot?: string,
  profile?: string,
): Promise<Tensor[]> {
  if (referencesRoot === undefined) return (await readBucketIo(repo, bucket, profile)).outputs;
  const path = join(referencesRoot, basename(repo), `${bucket}.safetensors`);
  const tensors = await readTensors(path);
  const outputs: Tensor[] = [];
  for (let i = 0; tensors[`output.${i}`] !== undefined; i++) outputs.push(tensors[`output.${i}`]!);
  if (outputs.length === 0) throw new Error(`no outputs in the eager reference ${path}`);
  return outputs;
}
