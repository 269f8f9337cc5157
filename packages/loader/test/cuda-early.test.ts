import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { findTorch } from "@aotihub/native";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `node --import @aotihub/loader/cuda-early app.mjs` as an application installed beside the packages
// runs it (their built dist/): the subpath resolves, the addon starts the CUDA driver's thread before
// the application runs, and the process exits cleanly with that thread joined. On a machine without
// a CUDA driver the thread records why and the application runs as it would without it.
const run = promisify(execFile);
const packages = resolve(import.meta.dirname, "../..");
let app: string;

// The application reads what the thread did through the addon (joining it), as no public API does.
const ADDON = `
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const addon = require("node-gyp-build")(${JSON.stringify(join(packages, "native"))});
`;
const APP = `${ADDON}process.stdout.write(JSON.stringify(addon.joinCudaContextEarly()));\n`;

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

// Where the torch install is known without python (here AOTIHUB_TORCH_DIR), libtorch's dlopens start
// at process start too. The application then asks for a preload of a folder that does not exist:
// refused (false) where one already ran, started (and failing quietly) where none did.
describe("node --import @aotihub/loader/cuda-early: libtorch's dlopens at process start", () => {
  let torchDir: string;
  beforeAll(async () => {
    torchDir = (await findTorch()).dir;
    writeFileSync(
      join(app, "preload.mjs"),
      `${APP.split("\n").slice(0, 4).join("\n")}\nprocess.stdout.write(JSON.stringify(addon.preloadTorch("/nonexistent-torch/lib", false)));\n`,
    );
  });
  const preloadRefused = async (env: NodeJS.ProcessEnv) => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "@aotihub/loader/cuda-early", "preload.mjs"],
      {
        cwd: app,
        env: { ...process.env, AOTIHUB_RUNTIME: "", ...env },
      },
    );
    return JSON.parse(stdout) === false;
  };

  it("starts them where AOTIHUB_TORCH_DIR names torch", async () => {
    expect(await preloadRefused({ AOTIHUB_TORCH_DIR: torchDir })).toBe(true);
  });

  it("leaves them to the load with AOTIHUB_CUDA_EARLY_TORCH=0, AOTIHUB_RUNTIME=standalone, or torch unknown", async () => {
    expect(await preloadRefused({ AOTIHUB_TORCH_DIR: torchDir, AOTIHUB_CUDA_EARLY_TORCH: "0" })).toBe(false);
    expect(await preloadRefused({ AOTIHUB_TORCH_DIR: torchDir, AOTIHUB_RUNTIME: "standalone" })).toBe(false);
    // nothing named, and no saved python layout to read: python would have to be asked
    expect(await preloadRefused({ AOTIHUB_TORCH_DIR: "", AOTIHUB_PYTHON_LAYOUT_CACHE: "0" })).toBe(false);
  });
});
