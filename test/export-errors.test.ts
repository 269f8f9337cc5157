import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "./support/python.js";

// Bad input to the export helper is refused before any compile, with a typed error.
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "aotihub-export-errors-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `body` (Python, with torch, nn and aotihub_export imported) and returns the ExportError. */
async function exportErrorOf(body: string): Promise<{ code: string; message: string }> {
  const script = [
    "import json, torch",
    "from torch import nn",
    "import aotihub_export as ax",
    "try:",
    ...body.split("\n").map((line) => `    ${line}`),
    "    print(json.dumps({'code': None, 'message': 'no error'}))",
    "except ax.ExportError as e:",
    "    print(json.dumps({'code': e.code, 'message': str(e)}))",
  ].join("\n");
  const { stdout } = await runPython(["-c", script]);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { code: string; message: string };
}

describe("export helper: refusals", () => {
  it("refuses the fp8 profile on CPU, saying what to do", async () => {
    const error = await exportErrorOf(
      `ax.export_model(nn.Linear(16, 16), "m", {"b1": {"input": torch.randn(1, 16)}}, "${scratch}/fp8", profiles=["fp8"])`,
    );
    expect(error.code).toBe("AOTIHUB_EXPORT_PROFILE");
    expect(error.message).toContain('device="cuda"');
    expect(error.message).toContain("what to do:");
  });

  it("refuses an unknown profile", async () => {
    const error = await exportErrorOf(
      `ax.export_model(nn.Linear(4, 4), "m", {"b1": {"input": torch.randn(1, 4)}}, "${scratch}/p", profiles=["int3"])`,
    );
    expect(error.code).toBe("AOTIHUB_EXPORT_PROFILE");
    expect(error.message).toContain("fp32 | bf16 | fp8");
  });

  it("refuses a bucket whose input names do not match forward()", async () => {
    const error = await exportErrorOf(
      `ax.export_model(nn.Linear(4, 4), "m", {"b1": {"x": torch.randn(1, 4)}}, "${scratch}/b")`,
    );
    expect(error.code).toBe("AOTIHUB_EXPORT_BUCKETS");
    expect(error.message).toContain("unknown ['x'], missing ['input']");
  });

  it("refuses no buckets at all", async () => {
    const error = await exportErrorOf(`ax.export_model(nn.Linear(4, 4), "m", {}, "${scratch}/e")`);
    expect(error.code).toBe("AOTIHUB_EXPORT_BUCKETS");
  });

  it("CLI: a spec file that declares nothing exits 2 with the code", async () => {
    const spec = join(scratch, "empty_spec.py");
    await writeFile(spec, "X = 1\n");
    const failure = await runPython([
      "-m",
      "aotihub_export",
      "--spec",
      spec,
      "--out",
      join(scratch, "o"),
    ]).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).toContain("exited with 2");
    expect(String(failure)).toContain("AOTIHUB_EXPORT_SPEC");
  });
});

describe("export helper: fp8 linear", () => {
  it("the built-in dynamic float8 linear stores e4m3 weights + a float32 scale and tracks bf16 eager", async (ctx) => {
    // Whether this torch runs an fp8 matmul on the CPU is asked with a bare torch._scaled_mm, not
    // through the code under test: only then is the numerics check skipped (and says so).
    const script = `
import json, torch
from aotihub_export.fp8 import quantize_builtin
probe = torch.ones(16, 16).to(torch.float8_e4m3fn)
try:
    torch._scaled_mm(probe, probe.t(), scale_a=torch.tensor(1.0), scale_b=torch.tensor(1.0), out_dtype=torch.bfloat16)
    cpu_fp8 = True
except (RuntimeError, NotImplementedError):
    cpu_fp8 = False
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).to(torch.bfloat16)
x = torch.randn(16, 64, dtype=torch.bfloat16)
reference = model(x).float()
swapped = quantize_builtin(model)
state = {k: str(v.dtype) for k, v in model.state_dict().items()}
rel = None
if cpu_fp8:
    out = model(x).float()
    rel = ((out - reference).norm() / reference.norm()).item()
print(json.dumps({"swapped": swapped, "state": state, "cpuFp8": cpu_fp8, "rel": rel}))`;
    const { stdout } = await runPython(["-c", script]);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    // 8 output features is not a multiple of 16: that layer stays bf16.
    expect(result.swapped).toBe(1);
    expect(result.state).toEqual({
      "0.weight": "torch.float8_e4m3fn",
      "0.weight_scale": "torch.float32",
      "0.bias": "torch.bfloat16",
      "2.weight": "torch.bfloat16",
      "2.bias": "torch.bfloat16",
    });
    if (!result.cpuFp8) {
      console.warn(
        "[fp8] numerics not checked: this torch has no CPU torch._scaled_mm (the CUDA suite checks them)",
      );
      ctx.skip();
    }
    // Quantized, not just relabelled: fp8 rounding shows, and stays within 5%.
    expect(result.rel).toBeGreaterThan(0);
    expect(result.rel).toBeLessThanOrEqual(5e-2);
  });
});
