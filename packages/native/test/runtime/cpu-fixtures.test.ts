import { join } from "node:path";
import { loadPackages, readPt2, type Tensor } from "@aotihub/native";
import { describe, expect, it } from "vitest";
import { cpuRunsIsa } from "../../../../test/support/cpu-flags.js";
import { FIXTURES_DIR } from "../formats/support/fixtures.js";
import { tinyFixtureEager } from "../support/fixture-eager.js";
import { testTorch } from "../support/python.js";
import { readTensors, relativeError, soCacheDir } from "../support/test-repo.js";

const FIXTURES = join(FIXTURES_DIR, "aoti-cpu-torch2.13");
// The ISA the fixtures were compiled for (their README); whether this CPU has it is read from
// /proc/cpuinfo by the test, not asked of the runtime under test.
const REQUIRED = "AVX512 AVX512_VNNI";
const runsHere = cpuRunsIsa(REQUIRED);
console.log(
  `[cpu-fixtures] this CPU ${runsHere ? "has" : "lacks"} ${REQUIRED}: expecting the fixtures to ${runsHere ? "run bit for bit" : "be refused with AOTIHUB_CPU_ISA_UNSUPPORTED"}`,
);

const options = async () => ({
  packages: [2, 4].map((n) => ({
    path: join(FIXTURES, `tiny_b${n}.pt2`),
    bucket: { name: `b${n}`, inputs: { x: [n, 8] } },
  })),
  weights: [join(FIXTURES, "tiny.safetensors")],
  device: "cpu",
  torchDir: (await testTorch()).dir,
  cacheDir: soCacheDir,
});

describe("the checked-in CPU fixtures (compiled on an AVX512 machine)", () => {
  it("say which ISA they need", async () => {
    const pkg = await readPt2(join(FIXTURES, "tiny_b2.pt2"));
    expect(pkg.models.model!.metadata.AOTI_CPU_ISA).toBe(REQUIRED);
  });

  it.runIf(runsHere)(
    "load and match eager on this CPU bit for bit, where the CPU has their ISA",
    async () => {
      const ioFiles = [2, 4].map((n) => join(FIXTURES, `io_b${n}.safetensors`));
      const eager = await tinyFixtureEager(FIXTURES, ioFiles);
      const model = await loadPackages(await options());
      try {
        for (const io of ioFiles) {
          const { x, y } = await readTensors(io);
          const [out] = (await model.run({ x: x! })) as Tensor[];
          expect(
            Buffer.from(out!.data.buffer, out!.data.byteOffset, out!.data.byteLength).toString("base64"),
          ).toBe(eager[io]);
          // The compiling machine's eager output, from another CPU: equal up to rounding.
          expect(relativeError(out!, y!)).toBeLessThan(1e-5);
        }
      } finally {
        model.dispose();
      }
    },
  );

  it.runIf(!runsHere)(
    "are refused with a typed error naming the missing ISA on a CPU without it",
    async () => {
      const error = await loadPackages(await options()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "AOTIHUB_CPU_ISA_UNSUPPORTED" });
      expect((error as Error).message).toMatch(/AVX512/);
    },
  );
});
