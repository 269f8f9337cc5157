import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportHelperEnv } from "../../../../test/support/python.js";
import { ensureTestModels, type TestModels } from "../../../../test/support/test-models.js";
import { binding } from "../../lib/binding.js";
import { parseElfDynamic } from "../../lib/formats/elf/index.js";
import { extractedSo } from "../support/extracted-so.js";
import { testPython } from "../support/python.js";

// Issue 13: what the standalone test models need (their .so's undefined aoti_torch_* and Sleef_*
// symbols, read from the files) is a subset of what the addon exports; and the export helper's list
// (which it checks packages against) is exactly the addon's aoti_torch_* exports.
const STANDALONE = [
  "standalone-mlp",
  "standalone-conv",
  "standalone-bf16",
  "standalone-multi-io",
  "standalone-dit",
] as const;
const isShim = (name: string) => name.startsWith("aoti_torch_") || name.startsWith("Sleef_");

let models: TestModels;
let exported: Set<string>;
const needs = new Map<string, string[]>();

beforeAll(async () => {
  models = await ensureTestModels();
  exported = new Set(parseElfDynamic(readFileSync(binding().addonPath())).defined.filter(isShim));
  for (const model of STANDALONE) {
    const repo = models.models[model];
    const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
      artifacts: { path: string }[];
    };
    for (const artifact of manifest.artifacts) {
      const so = await extractedSo(join(repo, artifact.path));
      needs.set(`${model}/${artifact.path}`, parseElfDynamic(readFileSync(so)).undefined.filter(isShim));
    }
  }
}, 900_000);

describe("the shim covers what the standalone models need", () => {
  it("every undefined aoti_torch_*/Sleef_* symbol of every standalone test model is exported by the addon", () => {
    expect(needs.size).toBeGreaterThanOrEqual(STANDALONE.length + 1); // the DiT has two buckets
    const union = new Set([...needs.values()].flat());
    expect(union.size).toBeGreaterThan(15);
    expect([...union].filter((s) => !exported.has(s))).toEqual([]);
    // the tensor bookkeeping every model needs, and Sleef (the DiT's GELU/SiLU/timestep sin-cos)
    expect(union).toContain("aoti_torch_empty_strided");
    expect([...union].some((s) => s.startsWith("Sleef_"))).toBe(true);
  });

  it("no standalone model needs libtorch: DT_NEEDED holds no libtorch/libc10", async () => {
    for (const model of STANDALONE) {
      const repo = models.models[model];
      const manifest = JSON.parse(readFileSync(join(repo, "aotihub.json"), "utf8")) as {
        artifacts: { path: string }[];
      };
      const so = await extractedSo(join(repo, manifest.artifacts[0]!.path));
      const needed = parseElfDynamic(readFileSync(so)).needed;
      expect(needed.length).toBeGreaterThan(0);
      expect(needed.filter((n) => /^lib(torch|c10)/.test(n))).toEqual([]);
    }
  });

  it("the export helper's SHIM_FUNCTIONS is exactly the addon's aoti_torch_* exports", () => {
    const listed = execFileSync(
      testPython(),
      [
        "-c",
        "from aotihub_export.standalone import SHIM_FUNCTIONS; print('\\n'.join(sorted(SHIM_FUNCTIONS)))",
      ],
      { encoding: "utf8", env: exportHelperEnv() },
    )
      .trim()
      .split("\n");
    expect(listed).toEqual([...exported].filter((s) => s.startsWith("aoti_torch_")).sort());
  });

  it("the ELF reader agrees with nm -D on the addon and on a model", async () => {
    const nm = spawnSync("nm", ["--version"]);
    if (nm.status !== 0) {
      console.log("skipped: no nm (binutils) on this machine to compare the ELF reader with");
      return;
    }
    const so = await extractedSo(
      join(
        models.models["standalone-dit"],
        JSON.parse(readFileSync(join(models.models["standalone-dit"], "aotihub.json"), "utf8")).artifacts[0]
          .path,
      ),
    );
    for (const file of [binding().addonPath(), so]) {
      const lines = (args: string[]) =>
        execFileSync("nm", ["-D", ...args, file], { encoding: "utf8" })
          .split("\n")
          .map((l) => l.trim().split(/\s+/).at(-1)!.replace(/@.*$/, ""))
          .filter((s) => s.length > 0);
      const mine = parseElfDynamic(readFileSync(file));
      expect(mine.undefined).toEqual([...new Set(lines(["--undefined-only"]))].sort());
      expect(mine.defined.filter(isShim)).toEqual(
        [...new Set(lines(["--defined-only"]).filter(isShim))].sort(),
      );
    }
  });
});
