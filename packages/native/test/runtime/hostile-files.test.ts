import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Tensor } from "@aotihub/native";
import { beforeAll, describe, expect, it } from "vitest";
import { cpuRunsIsa } from "../../../../test/support/cpu-flags.js";
import { eagerReferences } from "../../../../test/support/eager-reference.js";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { FIXTURES_DIR } from "../formats/support/fixtures.js";
import { tinyFixtureEager } from "../support/fixture-eager.js";
import { testPython, testTorch } from "../support/python.js";
import { readBucketIo, readTensors, repoPackages, soCacheDir } from "../support/test-repo.js";
import type { Outcome } from "./support/hostile-child.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CPU_FIXTURES = join(FIXTURES_DIR, "aoti-cpu-torch2.13");
// The checked-in CPU fixtures need AVX512 + AVX512_VNNI (their README); /proc/cpuinfo, read by
// the test itself, says whether this CPU has them, so exactly one outcome is right here.
const fixtureRunsHere = cpuRunsIsa("AVX512 AVX512_VNNI");
const bytes = (t: Tensor) =>
  Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64");

let models: TestModels;
beforeAll(async () => {
  models = await ensureTestModels();
});

describe("bad files give typed errors and never crash the process", () => {
  it("refuses each hostile package or weight file with its own code, in a child that exits normally", async () => {
    const repo = models.models["tiny-mlp"];
    const { packages, weights } = repoPackages(repo, ["b2"]);
    const pt2 = packages[0]!.path;
    const good = weights[0]!;
    const dir = mkdtempSync(join(tmpdir(), "aotihub-hostile-"));
    execFileSync(testPython(), [here("./support/make_hostile.py"), pt2, good, dir]);
    const x = Array.from((await readBucketIo(repo, "b2")).inputs.x!.data as Float32Array);
    const fixtureIoPath = join(CPU_FIXTURES, "io_b2.safetensors");
    const fixtureIo = await readTensors(fixtureIoPath);
    const fixtureEager = fixtureRunsHere ? await tinyFixtureEager(CPU_FIXTURES, [fixtureIoPath]) : {};
    const [controlEager] = await (await eagerReferences(models, ["tiny-mlp"]))("tiny-mlp", "b2");

    const expected: Record<
      string,
      { pt2: string; weights: string; x: number[]; result: string; output?: string }
    > = {
      control: { pt2, weights: good, x, result: "ran", output: bytes(controlEager!) },
      truncated: { pt2: join(dir, "truncated.pt2"), weights: good, x, result: "AOTIHUB_PT2_INVALID" },
      notElf: { pt2: join(dir, "not-elf.pt2"), weights: good, x, result: "AOTIHUB_MODEL_SO_INVALID" },
      notAoti: { pt2: join(dir, "not-aoti.pt2"), weights: good, x, result: "AOTIHUB_MODEL_SO_INVALID" },
      traversal: { pt2: join(dir, "traversal.pt2"), weights: good, x, result: "AOTIHUB_PT2_INVALID" },
      wrongDtype: {
        pt2,
        weights: join(dir, "wrong-dtype.safetensors"),
        x,
        result: "AOTIHUB_WEIGHTS_MISMATCH",
      },
      missingWeight: {
        pt2,
        weights: join(dir, "missing.safetensors"),
        x,
        result: "AOTIHUB_WEIGHTS_MISMATCH",
      },
      lyingHeader: {
        pt2,
        weights: join(dir, "lying-header.safetensors"),
        x,
        result: "AOTIHUB_SAFETENSORS_INVALID",
      },
      avx512Fixture: {
        pt2: join(CPU_FIXTURES, "tiny_b2.pt2"),
        weights: join(CPU_FIXTURES, "tiny.safetensors"),
        x: Array.from(fixtureIo.x!.data as Float32Array),
        ...(fixtureRunsHere
          ? { result: "ran", output: fixtureEager[fixtureIoPath]! }
          : { result: "AOTIHUB_CPU_ISA_UNSUPPORTED" }),
      },
    };
    const cases = Object.entries(expected).map(([name, c]) => ({
      name,
      pt2: c.pt2,
      weights: c.weights,
      x: c.x,
    }));
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        here("./support/hostile-child.ts"),
        (await testTorch()).dir,
        soCacheDir,
        JSON.stringify(cases),
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const outcomes = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, Outcome>;
    for (const [name, c] of Object.entries(expected)) {
      const want: Outcome =
        c.output === undefined ? { result: c.result } : { result: c.result, output: c.output };
      expect({ name, ...outcomes[name] }).toEqual({ name, ...want });
    }
    // A .so that is not ELF, or an ELF that is no AOTInductor model: refused as such, by name.
    expect([outcomes.notElf?.result, outcomes.notAoti?.result]).toEqual([
      "AOTIHUB_MODEL_SO_INVALID",
      "AOTIHUB_MODEL_SO_INVALID",
    ]);
  });
});
