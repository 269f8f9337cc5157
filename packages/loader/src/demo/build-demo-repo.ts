import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { AotihubError } from "@aotihub/registry";

export interface DemoRepoInputs {
  /** The export helper's sources (a PYTHONPATH entry) and the model spec among them. */
  sources: { pythonPath: string; spec: string };
  python: string;
  device: "cpu" | "cuda";
  cacheDir: string;
  log: (line: string) => void;
}

/**
 * The demo's model repo: the export helper's tiny DiT, exported with the installed torch for this
 * device kind, once per content (helper sources, torch version, device kind); later runs reuse it.
 */
export async function buildDemoRepo(inputs: DemoRepoInputs): Promise<string> {
  const src = inputs.sources.pythonPath;
  const torch = await runPython(
    inputs,
    ["-c", "import importlib.metadata as m; print(m.version('torch'))"],
    src,
  );
  const key = await hashTree(src, `${torch.trim()}|${inputs.device}`);
  const dir = join(inputs.cacheDir, "demo-repos", key);
  if (existsSync(join(dir, "tiny-dit", "aotihub.json"))) return join(dir, "tiny-dit");

  inputs.log(
    `exporting the tiny DiT for ${inputs.device} with torch ${torch.trim()} (AOTInductor; about a minute on CPU, once)`,
  );
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const started = performance.now();
  await runPython(
    inputs,
    ["-m", "aotihub_export", "--spec", inputs.sources.spec, "--out-root", tmp, "--device", inputs.device],
    src,
  );
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  inputs.log(`exported in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return join(dir, "tiny-dit");
}

function runPython(inputs: DemoRepoInputs, args: string[], src: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONPATH: [src, process.env.PYTHONPATH].filter(Boolean).join(":") };
    const child = spawn(inputs.python, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new AotihubError("AOTIHUB_DEMO_EXPORT", "The export helper failed to build the demo model.", {
            expected: "python -m aotihub_export to exit 0",
            received: `exit ${code}: ${err.trim().split("\n").slice(-6).join(" | ")}`,
            hint: "check that torch works in that Python (AOTIHUB_PYTHON), and that g++ is installed",
          }),
        );
    });
  });
}

async function hashTree(dir: string, salt: string): Promise<string> {
  const hash = createHash("sha256").update(salt);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith(".py"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) hash.update(relative(dir, file)).update(await readFile(file));
  return hash.digest("hex").slice(0, 24);
}
