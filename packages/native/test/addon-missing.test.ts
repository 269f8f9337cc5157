import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// AOTIHUB_NATIVE_ADDON_MISSING: the built package (dist/) installed without its compiled addon (no
// build/Release, no prebuilds/), loaded by a child Node process as a user's code would load it.

const nativeRoot = fileURLToPath(new URL("..", import.meta.url));

describe("@aotihub/native without its compiled addon", () => {
  it("importing works; the first native call fails with AOTIHUB_NATIVE_ADDON_MISSING naming where it looked", () => {
    expect(existsSync(join(nativeRoot, "dist", "index.js")), "packages/native is built (dist/)").toBe(true);
    const installed = join(mkdtempSync(join(tmpdir(), "aotihub-no-addon-")), "native");
    cpSync(join(nativeRoot, "dist"), join(installed, "dist"), { recursive: true });
    cpSync(join(nativeRoot, "package.json"), join(installed, "package.json"));
    symlinkSync(join(nativeRoot, "node_modules"), join(installed, "node_modules"));
    const script = `
const native = await import(${JSON.stringify(`file://${join(installed, "dist", "index.js")}`)});
try {
  native.mapFile(${JSON.stringify(join(nativeRoot, "package.json"))});
  console.log(JSON.stringify({ code: null }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}`;
    const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    const outcome = JSON.parse(stdout.trim().split("\n").at(-1)!) as { code: string; message: string };
    expect(outcome.code).toBe("AOTIHUB_NATIVE_ADDON_MISSING");
    expect(outcome.message).toContain("The @aotihub/native addon could not be loaded.");
    expect(outcome.message).toContain(`${installed}/prebuilds/${process.platform}-${process.arch}/`);
    expect(outcome.message).toContain(`${installed}/build/Release/`);
    expect(outcome.message).toContain("what to do: reinstall @aotihub/native");
  });
});
