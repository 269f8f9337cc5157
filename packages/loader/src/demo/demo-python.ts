import { spawnSync } from "node:child_process";
import { AotihubError } from "@aotihub/registry";

const HAS_TORCH =
  "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('safetensors') else 1)";

const GET_ONE =
  'install them (python3 -m pip install "torch==2.13.*" safetensors --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple) and set AOTIHUB_PYTHON to that python; from a checkout, `bash scripts/demo.sh` makes a project-local .venv with them';

function hasTorch(python: string): boolean {
  return spawnSync(python, ["-c", HAS_TORCH], { stdio: "ignore" }).status === 0;
}

/**
 * The Python with torch and safetensors that exports the demo model: AOTIHUB_PYTHON when set
 * (it must have them), else python3 when it has them. The demo installs nothing: without one it
 * says how to get one.
 */
export function findDemoPython(): string {
  const named = process.env.AOTIHUB_PYTHON;
  if (named) {
    if (hasTorch(named)) return named;
    throw new AotihubError("AOTIHUB_PYTHON_NO_TORCH", `AOTIHUB_PYTHON=${named} has no torch.`, {
      expected: "a Python with torch and safetensors installed",
      received: named,
      hint: GET_ONE,
    });
  }
  if (hasTorch("python3")) return "python3";
  throw new AotihubError("AOTIHUB_PYTHON_NO_TORCH", "No Python with torch for the demo's export step.", {
    expected: "AOTIHUB_PYTHON, or python3 on PATH, with torch and safetensors installed",
    received: "AOTIHUB_PYTHON unset; python3 has no torch (or is missing)",
    hint: GET_ONE,
  });
}
