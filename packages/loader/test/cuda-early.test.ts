import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `node --import @aotihub/loader/cuda-early app.mjs` as an application installed beside the packages
// runs it (their built dist/): the subpath resolves, the addon starts the CUDA driver's thread before
// the application runs, and the process exits cleanly with that thread joined. On a machine without
// a CUDA driver the thread records why and the application runs as it would without it.
const run = promisify(execFile);
const packages = resolve(import.meta.dirname, "../..");
let app: string;

// The application reads what the thread did through the addon (joining it), as no public API does.
const APP = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const addon = require("node-gyp-build")(${JSON.stringify(join(packages, "native"))});
process.stdout.write(JSON.stringify(addon.joinCudaContextEarly()));
`;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "aotihub-cuda-early-"));
  mkdirSync(join(app, "node_modules", "@aotihub"), { recursive: true });
  symlinkSync(join(packages, "loader"), join(app, "node_modules", "@aotihub", "loader"));
  symlinkSync(
    join(packages, "native", "node_modules", "node-gyp-build"),
    join(app, "node_modules", "node-gyp-build"),
  );
  writeFileSync(join(app, "app.mjs"), APP);
});
afterAll(() => rmSync(app, { recursive: true, force: true }));

async function runApp(env: NodeJS.ProcessEnv = {}) {
  const { stdout } = await run(process.execPath, ["--import", "@aotihub/loader/cuda-early", "app.mjs"], {
    cwd: app,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as { started: boolean; ready: number; error: string };
}

describe("node --import @aotihub/loader/cuda-early", () => {
  it("starts the driver's cuInit and context before the application, and exits cleanly", async () => {
    const state = await runApp();
    expect(state.started).toBe(true);
    // either the context is there (a GPU machine) or the reason it is not (this CPU machine)
    if (state.ready === 0) expect(state.error).toMatch(/libcuda|cuInit|cuDevice/);
    else expect(state.error).toBe("");
  });

  it("does nothing with AOTIHUB_CUDA_EARLY=0", async () => {
    expect(await runApp({ AOTIHUB_CUDA_EARLY: "0" })).toMatchObject({ started: false, error: "" });
  });
});
