import { detectCpuIsa, loadPackages, missingCpuIsa, readPt2, type Tensor } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { testTorch } from "../support/python.js";
import { readTensors, sameBytes, soCacheDir } from "../support/test-repo.js";

const FIXTURES = "/work/shared/fixtures/aoti-cpu-torch2.13";

describe("the shared CPU fixtures (compiled on an AVX512 machine)", () => {
  it("load and match bit for bit where the CPU has their ISA, else are refused with a typed error", async () => {
    const pkg = await readPt2(`${FIXTURES}/tiny_b2.pt2`);
    const required = pkg.models.model!.metadata.AOTI_CPU_ISA;
    expect(required).toMatch(/AVX512/);
    const options = {
      packages: [2, 4].map((n) => ({
        path: `${FIXTURES}/tiny_b${n}.pt2`,
        bucket: { name: `b${n}`, inputs: { x: [n, 8] } },
      })),
      weights: [`${FIXTURES}/tiny.safetensors`],
      device: "cpu",
      torchDir: (await testTorch()).dir,
      cacheDir: soCacheDir,
    };
    const missing = missingCpuIsa(required, detectCpuIsa());
    if (missing.length > 0) {
      const error = await loadPackages(options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "AOTIHUB_CPU_ISA_UNSUPPORTED" });
      expect((error as Error).message).toContain(missing[0]);
      return;
    }
    const model = await loadPackages(options);
    try {
      for (const n of [2, 4]) {
        const { x, y } = await readTensors(`${FIXTURES}/io_b${n}.safetensors`);
        const [out] = (await model.run({ x: x! })) as Tensor[];
        expect(sameBytes(out!, y!)).toBe(true);
      }
    } finally {
      model.dispose();
    }
  });
});
