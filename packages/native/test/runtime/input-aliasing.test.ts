import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTestModels } from "../../../../test/support/test-models.js";
import { testTorch } from "../support/python.js";
import { soCacheDir } from "../support/test-repo.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "aotihub-aliasing-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Issue 10: a run never reads memory the caller can take back. Native code copies host inputs and
// reads shapes on the JS thread before queueing, so each attack gives the right result (the bytes
// were taken before it) or a typed error (the buffer was already gone at the hand-off).
describe("run inputs do not alias the caller's buffers", () => {
  it("survives detach, shrink and unmap of an input, queued or at the call", {
    timeout: 180_000,
  }, async () => {
    const repo = (await ensureTestModels()).models["tiny-dit"];
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        here("./support/aliasing-child.ts"),
        (await testTorch()).dir,
        soCacheDir,
        repo,
        scratch,
      ],
      { encoding: "utf8", timeout: 150_000 },
    );
    // A use-after-free shows up here as SIGSEGV/SIGBUS instead of taking the test runner down.
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const outcomes = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Record<string, string>;
    for (const attack of ["transfer", "shrink", "unmap"]) {
      // Queued: the bytes were copied before the attack, so the run is unaffected.
      expect(`${attack}-queued: ${outcomes[`${attack}-queued`]}`).toBe(`${attack}-queued: same`);
      // At the call: the buffer is gone before the native hand-off; a typed refusal, never garbage.
      expect(`${attack}-at-call: ${outcomes[`${attack}-at-call`]}`).toBe(
        `${attack}-at-call: AOTIHUB_INPUT_INVALID`,
      );
    }
  });
});
