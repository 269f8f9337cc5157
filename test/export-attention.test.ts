import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "./support/python.js";

// `attention=` of the export helper decides which fused attention kernel a libtorch package calls
// (on CUDA the default leaves out cuDNN, whose engine is built on a process's first call: see
// docs/benchmarks.md "What the first call pays"). Proven on CPU with real exports: the generated
// wrapper of each package is read back from the .pt2 (not from the helper's own report).
let scratch: string;
let result: {
  torchChoice: { wrapperCalls: string[]; reported: string[] };
  mathOnly: { wrapperCalls: string[]; reported: string[] };
  refusedCheck: { code: string | null; message: string };
  defaults: Record<string, string[] | null>;
  badNames: { code: string | null; message: string }[];
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "aotihub-export-attention-"));
  const script = `
import glob, json, os, re, zipfile, torch
import torch.nn.functional as F
import aotihub_export as ax
from aotihub_export.attention import check_attention_calls, resolve_attention

class Attend(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(16, 48)
    def forward(self, x):
        q, k, v = self.qkv(x).reshape(1, 8, 3, 2, 8).permute(2, 0, 3, 1, 4)
        return F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(1, 8, 16)

def wrapper_of(out):
    (pt2,) = glob.glob(os.path.join(out, "aoti", "*", "*", "*.pt2"))
    with zipfile.ZipFile(pt2) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".wrapper.cpp"))

def build(name, attention):
    torch.manual_seed(0)
    logged = []
    out = os.path.join(${JSON.stringify(scratch)}, name)
    ax.export_model(Attend().eval(), name, {"b1": {"x": torch.randn(1, 8, 16)}}, out, attention=attention, log=logged.append)
    source = wrapper_of(out)
    calls = sorted(set(re.findall(r"aoti_torch_cpu__scaled_dot_product_\\w+", source)))
    reported = re.search(r"fused attention: ([^)]*)", logged[-1]).group(1).split(", ")
    return source, {"wrapperCalls": calls, "reported": reported}

source, torch_choice = build("torch-choice", None)
_, math_only = build("math-only", ["math"])
def error_of(fn):
    try:
        fn()
        return {"code": None, "message": "no error"}
    except ax.ExportError as e:
        return {"code": e.code, "message": str(e)}
print(json.dumps({
    "torchChoice": torch_choice,
    "mathOnly": math_only,
    "refusedCheck": error_of(lambda: check_attention_calls(source, ("math",), "b1.pt2")),
    "defaults": {
        "cuda/libtorch": resolve_attention(None, "cuda", "libtorch"),
        "cuda/standalone": resolve_attention(None, "cuda", "standalone"),
        "cpu/libtorch": resolve_attention(None, "cpu", "libtorch"),
        "cuda/torch": resolve_attention("torch", "cuda", "libtorch"),
        "cuda/cudnn,flash": resolve_attention(["cudnn", "flash"], "cuda", "libtorch"),
    },
    "badNames": [error_of(lambda a=a: resolve_attention(a, "cuda", "libtorch")) for a in (["flash", "tensorrt"], [], ["math", "math"])],
}))
`;
  const { stdout } = await runPython(["-c", script]);
  result = JSON.parse(stdout.trim().split("\n").at(-1)!);
}, 300_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("export helper: attention backend of libtorch builds", () => {
  it("torch's own choice on CPU lowers SDPA to the fused flash kernel, and the log names it", () => {
    expect(result.torchChoice.wrapperCalls).toEqual([
      "aoti_torch_cpu__scaled_dot_product_flash_attention_for_cpu",
    ]);
    expect(result.torchChoice.reported).toEqual(["flash"]);
  });

  it('attention=["math"] leaves no fused attention call in the package', () => {
    expect(result.mathOnly.wrapperCalls).toEqual([]);
    expect(result.mathOnly.reported).toEqual(["none"]);
  });

  it("a package calling a backend that was not allowed is refused with a typed error", () => {
    expect(result.refusedCheck.code).toBe("AOTIHUB_EXPORT_ATTENTION");
    expect(result.refusedCheck.message).toContain("calls to ['flash']");
    expect(result.refusedCheck.message).toContain("TORCHINDUCTOR_CACHE_DIR");
  });

  it("defaults: flash, efficient, math for CUDA libtorch builds; torch's choice elsewhere", () => {
    expect(result.defaults).toEqual({
      "cuda/libtorch": ["flash", "efficient", "math"],
      "cuda/standalone": null,
      "cpu/libtorch": null,
      "cuda/torch": null,
      "cuda/cudnn,flash": ["cudnn", "flash"],
    });
  });

  it("unknown, empty or repeated backend names are refused before any compile", () => {
    for (const error of result.badNames) {
      expect(error.code).toBe("AOTIHUB_EXPORT_ATTENTION");
      expect(error.message).toContain("flash");
    }
    expect(result.badNames[0]!.message).toContain("tensorrt");
  });

  it("CLI: --attention reaches the export (an unknown backend exits 2 with the code)", async () => {
    const spec = join(scratch, "linear_spec.py");
    await writeFile(
      spec,
      [
        "import torch",
        "from aotihub_export import ExportSpec",
        "def spec(device):",
        '    return ExportSpec(name="m", module=torch.nn.Linear(4, 4), buckets={"b1": {"input": torch.randn(1, 4)}})',
        "",
      ].join("\n"),
    );
    const failure = await runPython([
      "-m",
      "aotihub_export",
      "--spec",
      spec,
      "--out",
      join(scratch, "cli"),
      "--attention",
      "flash,tensorrt",
    ]).catch((e: Error) => e);
    expect(String(failure)).toContain("exited with 2");
    expect(String(failure)).toContain("AOTIHUB_EXPORT_ATTENTION");
    expect(String(failure)).toContain("'tensorrt'");
  });
});
