// Loads one runtime's builds out of a repo that holds both (by each artifact's `runtime`) with the
// repo's shared weight set, runs every bucket on its io inputs, and prints one JSON line: each
// output's relative error against the io file's eager output, and whether libtorch got mapped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadPackages, type RuntimeKind, type Tensor } from "@aotihub/native";
import { artifactRuntime, parseManifest } from "@aotihub/registry";
import { readBucketIo, relativeError } from "./bucket-io.js";

const [repo, runtime, torchDir, cacheDir] = process.argv.slice(2) as [string, RuntimeKind, string, string];
const manifest = parseManifest(JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")));
const artifacts = manifest.artifacts.filter((a) => artifactRuntime(a) === runtime);
const weightSet = (name: string) => manifest.weights[name]!.files.map((f) => join(repo, f));
const model = await loadPackages({
  packages: artifacts.map((a) => ({
    path: join(repo, a.path),
    bucket: a.bucket,
    ...(a.weightsOverride ? { weights: weightSet(a.weightsOverride) } : {}),
  })),
  weights: weightSet(manifest.profiles[artifacts[0]!.profile]!.weights),
  device: "cpu",
  runtime,
  cacheDir,
  ...(runtime === "libtorch" ? { torchDir } : {}),
});
const errors: Record<string, number[]> = {};
for (const artifact of artifacts) {
  const io = await readBucketIo(repo, artifact.bucket.name);
  const outputs = (await model.run(io.inputs, { variant: artifact.bucket.name })) as Tensor[];
  errors[artifact.bucket.name] = outputs.map((out, i) => relativeError(out, io.outputs[i]!));
}
model.dispose();
const libtorchMapped = /\/lib(torch|c10)[^/]*\.so/.test(readFileSync("/proc/self/maps", "utf8"));
process.stdout.write(`${JSON.stringify({ paths: artifacts.map((a) => a.path), errors, libtorchMapped })}\n`);
