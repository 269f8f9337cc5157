import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/repo-root.js";
import { ensureTestKernel, type TestKernel } from "./support/test-kernel.js";

// aotihub reads a custom op's registered schema through one fact of libtorch's dispatcher layout
// and refuses to guess when it does not hold. A libtorch whose layout differs is simulated by
// preloading a library that answers c10::Dispatcher::findSchemaOrThrow for the test kernel's ops
// with an OperatorDef of another layout (test/kernels/broken/other_dispatcher_layout.cc), in a
// child process; the same load without it is the control.

let kernel: TestKernel;
let otherLayoutLib: string;

beforeAll(async () => {
  kernel = await ensureTestKernel();
  const dir = await mkdtemp(join(tmpdir(), "aotihub-other-layout-"));
  otherLayoutLib = join(dir, "other_dispatcher_layout.so");
  execFileSync("g++", [
    "-shared",
    "-fPIC",
    "-O1",
    `-DOP_NAMESPACE=${kernel.namespace}`,
    "-o",
    otherLayoutLib,
    join(repoRoot, "test", "kernels", "broken", "other_dispatcher_layout.cc"),
    "-ldl",
  ]);
});

async function loadInChild(preload: string | undefined) {
  const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
  const artifact = manifest.artifacts[0];
  const env = { ...process.env };
  if (preload !== undefined) env.LD_PRELOAD = preload;
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "test", "support", "load-mix-model-child.ts"),
      join(kernel.modelRepo, artifact.path),
      JSON.stringify(artifact.bucket),
      join(kernel.modelRepo, "weights", "fp32", "model.safetensors"),
      join(tmpdir(), "aotihub-schema-unverifiable-aoti"),
      kernel.library,
    ],
    { encoding: "utf8", env, timeout: 120_000 },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
    result: string;
    message?: string;
    received?: string;
  };
}

describe("a libtorch whose dispatcher layout aotihub does not know", () => {
  it("loads the model with the real dispatcher (control)", async () => {
    expect(await loadInChild(undefined)).toEqual({ result: "loaded" });
  });

  it("refuses the model's custom op with AOTIHUB_KERNEL_SCHEMA_UNVERIFIABLE instead of guessing", async () => {
    const outcome = await loadInChild(otherLayoutLib);
    expect(outcome).toMatchObject({
      result: "AOTIHUB_KERNEL_SCHEMA_UNVERIFIABLE",
      message: expect.stringContaining(`Cannot check ${kernel.namespace}::mix`),
    });
    expect(outcome.received).toContain("dispatcher layout is not the one aotihub knows");
  });
});
