// Loads each file of a list the way a user's process would, in this child process, and prints one
// JSON line per file: a native crash kills only this child, and the parent sees which file did it.
import { readFileSync } from "node:fs";
import { loadPackages, readPt2, readSafetensors, readWeightSet } from "@aotihub/native";
import { isAotihubError } from "@aotihub/registry";

export interface HostileCase {
  kind: "safetensors" | "pt2";
  family: string;
  path: string;
}

const [listPath, from, realPackage, realBucket, realWeights, soCache] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const cases = JSON.parse(readFileSync(listPath, "utf8")) as HostileCase[];
const bucket = JSON.parse(realBucket);

async function load(c: HostileCase): Promise<void> {
  if (c.kind === "safetensors") {
    await readSafetensors(c.path);
    await readWeightSet([c.path]);
    // accepted by the reader: bind it as the weights of a real compiled model
    const model = await loadPackages({
      packages: [{ path: realPackage, bucket }],
      weights: [c.path],
      device: "cpu",
      cacheDir: soCache,
    });
    model.dispose();
    return;
  }
  await readPt2(c.path);
  // accepted by the reader: extract and open it with the real weights
  const model = await loadPackages({
    packages: [{ path: c.path, bucket }],
    weights: [realWeights],
    device: "cpu",
    cacheDir: soCache,
  });
  model.dispose();
}

for (let i = Number(from); i < cases.length; i++) {
  process.stdout.write(`${JSON.stringify({ start: i })}\n`);
  try {
    await load(cases[i]!);
    process.stdout.write(`${JSON.stringify({ i, outcome: "accepted" })}\n`);
  } catch (error) {
    const typed = isAotihubError(error) && /^AOTIHUB_[A-Z0-9_]+$/.test(error.code);
    process.stdout.write(
      `${JSON.stringify(typed ? { i, outcome: "typed", code: (error as { code: string }).code } : { i, outcome: "untyped", message: String(error).slice(0, 300) })}\n`,
    );
  }
}
