import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPackages } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { readBucketIo } from "./support/bucket-io.js";
import { repoRoot } from "./support/repo-root.js";
import { ensureTestKernel, type TestKernel } from "./support/test-kernel.js";

// A custom op that raises while the model runs: the run is refused with a typed error and the
// process goes on. Its own file: the op registered here (the test kernel's namespace and schema,
// a kernel that always throws) stays registered for the process.

let kernel: TestKernel;
let raisingLib: string;

beforeAll(async () => {
  kernel = await ensureTestKernel();
  const dir = await mkdtemp(join(tmpdir(), "aotihub-raising-kernel-"));
  raisingLib = join(dir, "raising_op.so");
  execFileSync("g++", [
    "-shared",
    "-fPIC",
    "-O1",
    `-DOP_NAMESPACE=${kernel.namespace}`,
    "-o",
    raisingLib,
    join(repoRoot, "test", "kernels", "broken", "raising_op.cc"),
  ]);
});

describe("a custom op that fails at run time", () => {
  it("refuses the run with AOTIHUB_KERNEL_CALL_FAILED, and the model can be disposed", async () => {
    const manifest = JSON.parse(await readFile(join(kernel.modelRepo, "aotihub.json"), "utf8"));
    const artifact = manifest.artifacts[0];
    const model = await loadPackages({
      packages: [{ path: join(kernel.modelRepo, artifact.path), bucket: artifact.bucket }],
      weights: [join(kernel.modelRepo, "weights", "fp32", "model.safetensors")],
      device: "cpu",
      cacheDir: join(tmpdir(), "aotihub-custom-ops-call-failed-aoti"),
      kernelLibraries: [raisingLib],
    });
    try {
      const io = await readBucketIo(kernel.modelRepo, "b2");
      const error = await model.run(io.inputs).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "AOTIHUB_KERNEL_CALL_FAILED",
        message: expect.stringContaining("A custom op of"),
      });
      const received = (error as { received: string }).received;
      expect(received).toContain(`${kernel.namespace}::mix`);
      // The op's own exception text goes to stderr (the C shim prints it); the error names the op.
      expect(received).toContain("::mix failed");
    } finally {
      model.dispose();
    }
  });
});
