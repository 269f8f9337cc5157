import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { findTorch } from "../../lib/torch/find-torch.js";

// A process that ends right after starting libtorch's early dlopens (an application whose load
// failed at once, or a short script under `--import cuda-early`): exit must wait for them, since
// libtorch's static initialisers on the preload thread would otherwise run into the singletons that
// exit is destroying (on this CPU machine it aborted: "Tried to register multiple backend
// fallbacks"). The application's own exit listener, added after the preload started, runs after the
// addon's: by then the preload has ended.
const run = promisify(execFile);
const nativeRoot = resolve(import.meta.dirname, "../..");
let libDir: string;

beforeAll(async () => {
  libDir = (await findTorch()).libDir;
});

const APP = `
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(nativeRoot, "package.json"))});
const addon = require("node-gyp-build")(${JSON.stringify(nativeRoot)});
const started = addon.preloadTorch(process.argv[1], false);
process.once("exit", () => process.stdout.write(JSON.stringify({ started, ...addon.libtorchPreloadTimes() })));
`;

describe("libtorch's early dlopens at process exit", () => {
  it("the exit waits for them to end: the process exits cleanly, libtorch loaded", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", APP, libDir]);
    const state = JSON.parse(stdout) as {
      started: boolean;
      ran: boolean;
      from: number;
      to: number;
      error: string;
    };
    expect(state).toMatchObject({ started: true, ran: true, error: "" });
    expect(state.to).toBeGreaterThanOrEqual(state.from);
    expect(state.to).toBeGreaterThan(0);
  });
});
