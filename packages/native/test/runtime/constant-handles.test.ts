import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../../../test/support/repo-root.js";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testTorch } from "../support/python.js";
import { soCacheDir } from "../support/test-repo.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-constant-handles-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CYCLES = 12;

// Issue 14 goal 6: torch's AOTI containers (torch 2.8 until pytorch/pytorch#194480) make a tensor
// handle for each user-managed constant and never free it; the runtime deletes them after the
// container (src/runtime/constant-aliases.h). A malloc tracer in a child process counts the
// allocations aoti_torch_new_tensor_handle made during the cycles that are still live at the end:
// none with the runtime's cleanup, one per bound constant per container without it.
describe("constant handles the AOTI container leaks", () => {
  it("are freed after each container, so load/dispose cycles leave none behind", {
    timeout: 180_000,
  }, async () => {
    const tracer = join(scratch, "malloc-trace.so");
    const cc = spawnSync(
      "cc",
      [
        "-O2",
        "-shared",
        "-fPIC",
        join(repoRoot, "test", "support", "malloc-trace.c"),
        "-o",
        tracer,
        "-ldl",
        "-lpthread",
      ],
      { encoding: "utf8" },
    );
    if (cc.error !== undefined || cc.status !== 0) {
      console.log(`SKIPPED: no C compiler to build the malloc tracer (${cc.error?.message ?? cc.stderr})`);
      return;
    }
    const repo = (await ensureTestModels()).models["tiny-mlp"];
    const torchDir = (await testTorch()).dir;
    const live = (label: string, env: Record<string, string>) => {
      const child = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          here("./support/constant-handles-child.ts"),
          torchDir,
          soCacheDir,
          repo,
          join(scratch, `${label}.txt`),
          String(CYCLES),
        ],
        { encoding: "utf8", timeout: 150_000, env: { ...process.env, ...env, LD_PRELOAD: tracer } },
      );
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { traced: boolean; handles: number };
    };
    const kept = live("kept", { AOTIHUB_FREE_CONSTANT_ALIASES: "0" });
    const freed = live("freed", {});
    expect(kept.traced && freed.traced).toBe(true);
    console.log(
      `live container handles after ${CYCLES} cycles: ${kept.handles} kept, ${freed.handles} with the cleanup`,
    );
    // The tracer sees torch's leak where the model's container has it (the tiny MLP binds several
    // constants per variant: at least one handle per cycle) ...
    if (kept.handles === 0) console.log("this torch's containers free their constant handles themselves");
    else expect(kept.handles).toBeGreaterThanOrEqual(CYCLES);
    // ... and none is left with the runtime's cleanup.
    expect(freed.handles).toBe(0);
  });
});
