import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// Fresh processes finding torch through a counting fake python (a shell script answering as
// python-layout.ts's script does): the first asks it, the next ones read the answer an earlier
// process saved, until something that could change the answer changes on disk.
const run = promisify(execFile);
const findTorchSource = resolve(import.meta.dirname, "../../lib/torch/find-torch.ts");
let root: string;
let site: string;
let torch: string;
let python: string;
let calls: string;

const CHILD = `
import { findTorch } from ${JSON.stringify(findTorchSource)};
import { findTorchWithoutPython } from ${JSON.stringify(findTorchSource.replace("find-torch.ts", "find-torch-without-python.ts"))};
const [python] = process.argv.slice(1);
if (process.env.KNOWN_ONLY === "1") {
  // what --import cuda-early's libtorch start sees: no python run
  process.stdout.write(JSON.stringify(findTorchWithoutPython({ pythons: [python] })?.dir ?? null));
} else {
  try {
    const found = await findTorch({ pythons: [python] });
    process.stdout.write(JSON.stringify({ dir: found.dir, version: found.fullVersion }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ code: error.code }));
  }
}`;

/** One fresh process's findTorch: what it found, and how many times the fake python has run so far. */
async function freshProcess(env: NodeJS.ProcessEnv = {}): Promise<{ found: unknown; asked: number }> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", CHILD, python],
    {
      env: { PATH: process.env.PATH, AOTIHUB_CACHE: join(root, "cache"), ...env },
    },
  );
  let asked = 0;
  try {
    asked = readFileSync(calls, "utf8").trim().split("\n").length;
  } catch {}
  return { found: JSON.parse(stdout), asked };
}

function writeTorch(version: string): void {
  mkdirSync(join(torch, "lib"), { recursive: true });
  writeFileSync(join(torch, "lib", "libtorch_cpu.so"), "");
  writeFileSync(join(torch, "version.py"), `__version__ = '${version}'\ncuda = None\n`);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aotihub-saved-layout-"));
  site = join(root, "site-packages");
  torch = join(site, "torch");
  calls = join(root, "calls");
  python = join(root, "bin", "python3");
  mkdirSync(join(root, "bin"));
  writeTorch("2.13.0+cpu");
  writeFileSync(
    python,
    `#!/bin/sh\necho asked >> ${calls}\necho '${JSON.stringify({ torch, nvidia: [] })}'\n`,
    {
      mode: 0o755,
    },
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the python layout saved across processes", () => {
  it("spares a fresh process the python spawn, and asks again when torch is reinstalled", async () => {
    expect(await freshProcess()).toEqual({ found: { dir: torch, version: "2.13.0+cpu" }, asked: 1 });
    expect(await freshProcess()).toEqual({ found: { dir: torch, version: "2.13.0+cpu" }, asked: 1 });
    // a reinstall rewrites version.py (here: same size, another mtime)
    writeTorch("2.13.1+cpu");
    utimesSync(join(torch, "version.py"), new Date(), new Date(Date.now() + 5_000));
    expect(await freshProcess()).toEqual({ found: { dir: torch, version: "2.13.1+cpu" }, asked: 2 });
    expect(await freshProcess()).toEqual({ found: { dir: torch, version: "2.13.1+cpu" }, asked: 2 });
  });

  it("is what findTorchWithoutPython answers from, running no python: null until one is saved, or once stale", async () => {
    const known = async () => freshProcess({ KNOWN_ONLY: "1" });
    expect(await known()).toEqual({ found: null, asked: 0 });
    await freshProcess();
    expect(await known()).toEqual({ found: torch, asked: 1 });
    writeTorch("2.13.1+cpu");
    utimesSync(join(torch, "version.py"), new Date(), new Date(Date.now() + 5_000));
    expect(await known()).toEqual({ found: null, asked: 1 });
  });

  it("asks again when a package is installed beside torch, or the interpreter changes", async () => {
    await freshProcess();
    mkdirSync(join(site, "other_package"));
    utimesSync(site, new Date(), new Date(Date.now() + 5_000));
    expect((await freshProcess()).asked).toBe(2);
    utimesSync(python, new Date(), new Date(Date.now() + 10_000));
    expect((await freshProcess()).asked).toBe(3);
    expect((await freshProcess()).asked).toBe(3);
  });

  it("never serves an answer whose torch is gone, and is off with AOTIHUB_PYTHON_LAYOUT_CACHE=0", async () => {
    await freshProcess();
    expect((await freshProcess({ AOTIHUB_PYTHON_LAYOUT_CACHE: "0" })).asked).toBe(2);
    rmSync(join(torch, "lib"), { recursive: true });
    // the saved answer no longer holds: python is asked, and its answer is checked as always
    expect(await freshProcess()).toEqual({ found: { code: "AOTIHUB_TORCH_NOT_FOUND" }, asked: 3 });
  });
});
