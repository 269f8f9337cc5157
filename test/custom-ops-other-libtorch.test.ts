import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBrokenLibrary } from "./support/compile-broken-library.js";
import { repoRoot } from "./support/repo-root.js";
import { ensureTestKernel, type TestKernel } from "./support/test-kernel.js";

// A model calling custom ops, loaded with a libtorch that differs from the ones aotihub knows:
// each difference is simulated by preloading (LD_PRELOAD) a small library in a child process
// (test/kernels/broken/), and the same load without one is the control.
// - other_dispatcher_layout.cc answers c10::Dispatcher::findSchemaOrThrow for the test kernel's
//   ops with an OperatorDef of another layout: aotihub cannot read the op's schema, and refuses to
//   guess.
// - no_call_dispatcher.cc makes dlsym find no aoti_torch_call_dispatcher, as in torch < 2.8.

let kernel: TestKernel;
let otherLayoutLib: string;
let noCallDispatcherLib: string;

beforeAll(async () => {
  kernel = await ensureTestKernel();
  const dir = await mkdtemp(join(tmpdir(), "aotihub-other-libtorch-"));
  otherLayoutLib = compileBrokenLibrary(
    "other_dispatcher_layout.cc",
    join(dir, "other_dispatcher_layout.so"),
    [`-DOP_NAMESPACE=${kernel.namespace}`],
  );
  noCallDispatcherLib = compileBrokenLibrary("no_call_dispatcher.cc", join(dir, "no_call_dispatcher.so"));
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

describe("a libtorch that differs from the ones aotihub knows", () => {
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

  it("refuses the model with AOTIHUB_KERNEL_SHIM_MISSING when the C shim has no aoti_torch_call_dispatcher", async () => {
    const outcome = await loadInChild(noCallDispatcherLib);
    expect(outcome).toMatchObject({
      result: "AOTIHUB_KERNEL_SHIM_MISSING",
      message: expect.stringContaining("This torch cannot run the custom ops of"),
    });
    expect(outcome.received).toContain("lacks aoti_torch_call_dispatcher");
  });
});
