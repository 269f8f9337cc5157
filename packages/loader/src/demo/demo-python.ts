import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AotihubError } from "@aotihub/registry";

const HAS_TORCH =
  "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('safetensors') else 1)";

function hasTorch(python: string): boolean {
  return spawnSync(python, ["-c", HAS_TORCH], { stdio: "ignore" }).status === 0;
}

/**
 * A Python with torch for the demo's export step: AOTIHUB_PYTHON, the checkout's `.venv`, then
 * python3. With none, installs the CPU build of torch into the checkout's `.venv` (saying so),
 * as README command 1 promises a fresh machine.
 */
export function ensureDemoPython(root: string, log: (line: string) => void): string {
  const named = process.env.AOTIHUB_PYTHON;
  if (named) {
    if (hasTorch(named)) return named;
    throw new AotihubError("AOTIHUB_PYTHON_NO_TORCH", `AOTIHUB_PYTHON=${named} has no torch.`, {
      expected: "a Python with torch and safetensors installed",
      received: named,
      hint: "install them there (pip install torch safetensors), or unset AOTIHUB_PYTHON to let the demo make a project-local one",
    });
  }
  const venvPython = join(root, ".venv", "bin", "python");
  if (existsSync(venvPython) && hasTorch(venvPython)) return venvPython;
  if (hasTorch("python3")) return "python3";

  log("no Python with torch found: installing the CPU build of torch into .venv (project-local).");
  log("this takes about a minute from a local mirror, a few minutes from the internet;");
  log(
    "to use an existing torch instead, set AOTIHUB_PYTHON=/path/to/python (or AOTIHUB_TORCH_DIR for the runtime).",
  );
  const run = (cmd: string, args: string[]) => {
    const result = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, PIP_RETRIES: "0" } });
    if (result.status !== 0) {
      throw new AotihubError(
        "AOTIHUB_DEMO_SETUP",
        `Could not set up Python for the demo (${cmd} ${args.join(" ")}).`,
        {
          expected: "python3 with venv and pip, and a reachable package index",
          received: `exit status ${result.status}`,
          hint: "install torch yourself and set AOTIHUB_PYTHON to that python",
        },
      );
    }
  };
  run("python3", ["-m", "venv", join(root, ".venv")]);
  run(venvPython, [
    "-m",
    "pip",
    "install",
    "-q",
    "torch==2.13.0+cpu",
    "huggingface_hub==1.33.0",
    "safetensors",
    "numpy",
  ]);
  return venvPython;
}
