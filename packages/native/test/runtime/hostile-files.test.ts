import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { testPython, testTorch } from "../support/python.js";
import { repoPackages, soCacheDir } from "../support/test-repo.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

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
    const expected: Record<string, [string, string, string]> = {
      control: [pt2, good, "loaded"],
      truncated: [join(dir, "truncated.pt2"), good, "AOTIHUB_PT2_INVALID"],
      notElf: [join(dir, "not-elf.pt2"), good, "AOTIHUB_MODEL_SO_INVALID"],
      notAoti: [join(dir, "not-aoti.pt2"), good, "AOTIHUB_MODEL_SO_INVALID"],
      traversal: [join(dir, "traversal.pt2"), good, "AOTIHUB_PT2_INVALID"],
      wrongDtype: [pt2, join(dir, "wrong-dtype.safetensors"), "AOTIHUB_WEIGHTS_MISMATCH"],
      missingWeight: [pt2, join(dir, "missing.safetensors"), "AOTIHUB_WEIGHTS_MISMATCH"],
      lyingHeader: [pt2, join(dir, "lying-header.safetensors"), "AOTIHUB_SAFETENSORS_INVALID"],
      avx512Fixture: [
        "/work/shared/fixtures/aoti-cpu-torch2.13/tiny_b2.pt2",
        "/work/shared/fixtures/aoti-cpu-torch2.13/tiny.safetensors",
        "",
      ],
    };
    const cases = Object.entries(expected).map(([name, [p, w]]) => ({ name, pt2: p, weights: w }));
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
    const outcomes = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, string>;
    for (const [name, [, , code]] of Object.entries(expected)) {
      if (name === "avx512Fixture") continue;
      expect(`${name}: ${outcomes[name]}`).toBe(`${name}: ${code}`);
    }
    // The shared CPU fixtures were compiled for AVX512: refused here unless this CPU has it.
    expect(["loaded", "AOTIHUB_CPU_ISA_UNSUPPORTED"]).toContain(outcomes.avx512Fixture);
  });
});
