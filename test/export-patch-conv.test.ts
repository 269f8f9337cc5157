import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "./support/python.js";

// `patch_conv_as_matmul=` of the export helper: a libtorch build computes a patch-embedding
// convolution (stride = kernel, no padding) as one matmul, so on CUDA the package makes no cuDNN call
// for it (docs/benchmarks.md "What the first call pays"). Real exports on CPU: the generated wrapper
// is read back from each .pt2; the rewrite's numerics are checked on the exported program.
let scratch: string;
let result: {
  wrappers: Record<string, string[]>;
  maxAbsDiff: Record<string, number>;
  untouched: Record<string, boolean>;
  cli: unknown[];
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "aotihub-export-patch-conv-"));
  const script = `
import glob, json, os, re, zipfile, torch
import aotihub_export as ax
from aotihub_export.cli import parse_args
from aotihub_export.patch_conv import patch_convs_as_matmul

class Embed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = torch.nn.Conv2d(4, 32, 2, stride=2)
        self.other = torch.nn.Conv2d(32, 8, 3, padding=1)
    def forward(self, x):
        return self.other(self.patch(x))

def calls(flag):
    torch.manual_seed(0)
    out = os.path.join(${JSON.stringify(scratch)}, str(flag))
    ax.export_model(Embed().eval(), "m", {"b1": {"x": torch.randn(1, 4, 8, 8)}}, out, patch_conv_as_matmul=flag, log=lambda m: None)
    (pt2,) = glob.glob(os.path.join(out, "aoti", "*", "*", "*.pt2"))
    with zipfile.ZipFile(pt2) as z:
        source = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".wrapper.cpp"))
    return sorted(re.findall(r"aoti_torch_cpu_(convolution|addmm_out|mm_out)\\(", source))

def diff(module, shape):
    torch.manual_seed(1)
    x = torch.randn(*shape)
    with torch.no_grad():
        rewritten = patch_convs_as_matmul(torch.export.export(module, (x,), strict=False))
        return (rewritten.module()(x) - module(x)).abs().max().item()

torch.manual_seed(0)
embed = Embed().eval()
padded = torch.nn.Conv2d(4, 8, 3, stride=3, padding=1).eval()
grouped = torch.nn.Conv2d(4, 8, 2, stride=2, groups=2).eval()
exported = {n: torch.export.export(m, (torch.randn(1, 4, 9, 9),), strict=False) for n, m in (("padded", padded), ("grouped", grouped))}
print(json.dumps({
    "wrappers": {"off": calls(False), "on": calls(True)},
    "maxAbsDiff": {"8x8": diff(embed, (1, 4, 8, 8)), "9x7 (rows past the last patch)": diff(embed, (2, 4, 9, 7))},
    "untouched": {n: patch_convs_as_matmul(e) is e for n, e in exported.items()},
    "cli": [parse_args(["--spec", "s.py", "--out", "o"] + a).patch_conv_as_matmul for a in ([], ["--patch-conv-as-matmul"], ["--no-patch-conv-as-matmul"])],
}))
`;
  const { stdout } = await runPython(["-c", script]);
  result = JSON.parse(stdout.trim().split("\n").at(-1)!);
}, 300_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("export helper: patch-embedding convolutions as a matmul", () => {
  it("off: both convolutions are aten convolutions; on: the patch one is a GEMM, the other stays", () => {
    expect(result.wrappers.off).toEqual(["convolution", "convolution"]);
    expect(result.wrappers.on).toEqual(["addmm_out", "convolution"]);
  });

  it("the rewrite computes what the convolution computes, also where rows and columns are left over", () => {
    for (const [shape, d] of Object.entries(result.maxAbsDiff)) expect(d, shape).toBeLessThan(1e-5);
  });

  it("padded or grouped convolutions are not patch embeddings: the program is left as it is", () => {
    expect(result.untouched).toEqual({ padded: true, grouped: true });
  });

  it("CLI: --patch-conv-as-matmul / --no-patch-conv-as-matmul, else the spec's", () => {
    expect(result.cli).toEqual([null, true, false]);
  });
});
