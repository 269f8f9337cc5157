// Issue 5 on the GPU machine (bundled by run.sh, run after the native suite): the tiny DiT exported
// there with bf16 and fp8 profiles and three buckets, served by the local Hub, loaded by name with
// loadCompiled, checked against eager bf16. Writes a results JSON; exits non-zero on a failed check.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CompiledModel, loadCompiled } from "@aotihub/loader";
import { probeDevice } from "@aotihub/native";
import {
  describeResolution,
  NoCompatibleArtifactError,
  parseManifest,
  resolveArtifacts,
} from "@aotihub/registry";
import { readBucketIo, relativeError } from "../support/bucket-io.js";
import { eagerOutputsOf } from "../support/eager-reference.js";
import { createChecks, serveRepo } from "./gpu-harness.js";

const [ditRepo, outFile, referencesRoot] = process.argv.slice(2) as [string, string, string?];
const { check, unexpected, figures, finish } = createChecks([
  "fp8 chosen on this GPU",
  "fp8 vs eager bf16",
  "profile 8.0 refuses fp8 for its capability requirement",
  "profile 8.0 has no bf16 build (artifacts compiled here are sm_90 SASS)",
  "bf16 chosen when asked",
  "bf16 vs eager bf16",
]);
const { work, hub, server } = await serveRepo(ditRepo, "tiny-dit", {
  aliases: { "tiny-dit-fp8": { repo: "aotihub/tiny-dit", profile: ["fp8", "bf16"] } },
  trustedRepos: ["aotihub/*"],
  index: null,
});
const manifest = parseManifest(JSON.parse(readFileSync(join(ditRepo, "aotihub.json"), "utf8")));
const buckets = [...new Set(manifest.artifacts.map((a) => a.bucket.name))];

async function compare(model: CompiledModel, tolerance: number, label: string) {
  for (const bucket of buckets) {
    const io = await readBucketIo(ditRepo, bucket, "bf16");
    // Eager bf16 is the reference for both profiles (computed by eager_reference.py when given).
    const [reference] = await eagerOutputsOf(ditRepo, bucket, referencesRoot, "bf16");
    let started = performance.now();
    const [out] = await model.run(io.inputs);
    const first = performance.now() - started;
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      started = performance.now();
      await model.run(io.inputs);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const err = relativeError(out!, reference!);
    figures[`${label}/${bucket}`] = { relErr: err, firstCallMs: first, steadyMedianMs: times[25] };
    check(
      `${label} vs eager bf16`,
      err <= tolerance,
      `bucket ${bucket}: relative error ${err.toExponential(2)} (<= ${tolerance})`,
    );
  }
}

try {
  const device = await probeDevice();
  figures.device = device;
  const fp8 = await loadCompiled("tiny-dit-fp8", { cwd: work, hub, device: "auto", reuse: false });
  figures.fp8Load = {
    loadMs: fp8.stats.loadMs,
    torchLoadMs: fp8.stats.torchLoadMs,
    weightLoadMs: fp8.stats.weightLoadMs,
    weightBytes: fp8.stats.weightBytes,
  };
  check(
    "fp8 chosen on this GPU",
    fp8.profile === "fp8" && fp8.device === "cuda:0",
    `profile ${fp8.profile} on ${fp8.device} (capability ${device.cuda?.computeCapability})`,
  );
  figures.fp8Explain = fp8.explain();
  await compare(fp8, 5e-2, "fp8");
  fp8.dispose();

  // A device profile saying 8.0: fp8 must be refused for its requirement (>= 8.9).
  const ampere = { ...device, cuda: { ...device.cuda!, computeCapability: "8.0", name: "A100 (profile)" } };
  try {
    const resolution = resolveArtifacts(manifest, ampere, { profile: ["fp8", "bf16"] });
    figures.ampereResolution = describeResolution(resolution, ampere);
    // The artifacts carry sm_90 SASS and no PTX: nothing here should run on 8.0.
    check(
      "profile 8.0 refuses fp8 for its capability requirement",
      resolution.profile !== "fp8",
      `profile ${resolution.profile} chosen`,
    );
    check(
      "profile 8.0 has no bf16 build (artifacts compiled here are sm_90 SASS)",
      false,
      `profile ${resolution.profile} chosen for 8.0: see ampereResolution`,
    );
  } catch (error) {
    if (!(error instanceof NoCompatibleArtifactError)) throw error;
    const text = error.attempts.map((a) => describeResolution(a, ampere)).join("\n");
    figures.ampereResolution = text;
    check(
      "profile 8.0 refuses fp8 for its capability requirement",
      /fp8[\s\S]*8\.9/.test(text),
      "fp8 rejected (needs >= 8.9)",
    );
    check(
      "profile 8.0 has no bf16 build (artifacts compiled here are sm_90 SASS)",
      /bf16[\s\S]*9\.0/.test(text),
      "bf16 artifacts rejected for architecture: see ampereResolution",
    );
  }

  const bf16 = await loadCompiled("tiny-dit-fp8", {
    cwd: work,
    hub,
    device: "auto",
    profile: "bf16",
    reuse: false,
  });
  check("bf16 chosen when asked", bf16.profile === "bf16", `profile ${bf16.profile}`);
  await compare(bf16, 1e-2, "bf16");
  bf16.dispose();
} catch (error) {
  unexpected(error);
} finally {
  await server.close();
}
await finish(outFile, "loadCompiled GPU");
