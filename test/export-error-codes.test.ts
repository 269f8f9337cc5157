import { beforeAll, describe, expect, it } from "vitest";
import { runPython } from "./support/python.js";

// The export helper's refusals that no ordinary spec reaches: each produced by calling the helper's
// own function with what an unsupported torch (or a damaged package) would hand it. One Python
// process for all of them; each case prints its ExportError's code and message.

const CASES = {
  // torch.__version__ as a source build without a release number might report it
  torch: `from aotihub_export.target import torch_range
torch_range("nightly")`,
  // a package zip without the wrapper metadata AOTInductor writes
  packageMetadata: `import zipfile, tempfile, os
from aotihub_export.target import read_wrapper_metadata
path = os.path.join(tempfile.mkdtemp(), "no-meta.pt2")
with zipfile.ZipFile(path, "w") as z:
    z.writestr("m/data/aotinductor/model/x.wrapper.so", b"")
read_wrapper_metadata(path)`,
  packageCapability: `from aotihub_export.target import capability_to_sass
capability_to_sass("sm_90")`,
  // a transposed weight: a contiguous copy in safetensors would be read with the wrong strides
  constant: `from aotihub_export.weight_sets import storable
storable("proj.weight", torch.randn(4, 8).t())`,
  // torch < 2.10's aot_compile handed back one path, not the list of files and weights
  compile: `import aotihub_export.compile as compile_module
compile_module.aot_compile = lambda *args, **kwargs: "/tmp/model.so"
compile_module.compile_bucket(nn.Linear(4, 4), (torch.randn(2, 4),), "/tmp/unused.pt2", device="cpu")`,
  runtime: `from aotihub_export.standalone import check_runtime
check_runtime("tensorrt")`,
  // runtime="standalone": torch's own libtorch.so stands for a model .so that still links libtorch
  standaloneLibtorch: `import zipfile, tempfile, os
from aotihub_export.standalone import check_standalone_package
path = os.path.join(tempfile.mkdtemp(), "links-libtorch.pt2")
with zipfile.ZipFile(path, "w") as z:
    z.write(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch.so"), "m/data/aotinductor/model/x.wrapper.so")
check_standalone_package(path, "b1")`,
  // ...and a .so that calls an aten op through the shim, as a matmul left to aten would
  standaloneAtenOp: `import zipfile, tempfile, os, subprocess
from aotihub_export.standalone import check_standalone_package
d = tempfile.mkdtemp()
open(os.path.join(d, "m.c"), "w").write("int aoti_torch_cpu_addmm_out(); int aoti_torch_empty_strided(); int f(void) { return aoti_torch_cpu_addmm_out() + aoti_torch_empty_strided(); }")
subprocess.run(["cc", "-shared", "-fPIC", "-o", os.path.join(d, "m.so"), os.path.join(d, "m.c")], check=True)
path = os.path.join(d, "aten-op.pt2")
with zipfile.ZipFile(path, "w") as z:
    z.write(os.path.join(d, "m.so"), "m/data/aotinductor/model/x.wrapper.so")
check_standalone_package(path, "b1")`,
  // ...and an op inductor has no generated kernel for (an integer matmul: the CPP GEMM template takes
  // floating types only), refused while compiling, before any .so exists; a real compile on the CPU
  standaloneNoKernel: `import tempfile, os
import aotihub_export.compile as compile_module
from torch._inductor import aot_compile
compile_module.aot_compile = aot_compile  # the real one again (the "compile" case replaced it)
class IntMatmul(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.randint(-3, 3, (16, 16)))
    def forward(self, x):
        return (x.long() @ self.w).float()
compile_module.compile_bucket(IntMatmul().eval(), (torch.randn(4, 16),), os.path.join(tempfile.mkdtemp(), "b1.pt2"), device="cpu", runtime="standalone")`,
} as const;

let outcomes: Record<keyof typeof CASES, { code: string | null; message: string }>;

beforeAll(async () => {
  const script = [
    "import json, sys, torch",
    "from torch import nn",
    "import aotihub_export as ax",
    "cases = json.loads(sys.argv[1])",
    "out = {}",
    "for name, body in cases.items():",
    "    try:",
    "        exec(body, {'torch': torch, 'nn': nn})",
    "        out[name] = {'code': None, 'message': 'no error'}",
    "    except ax.ExportError as e:",
    "        out[name] = {'code': e.code, 'message': str(e)}",
    "print(json.dumps(out))",
  ].join("\n");
  const { stdout } = await runPython(["-c", script, JSON.stringify(CASES)]);
  outcomes = JSON.parse(stdout.trim().split("\n").at(-1)!);
});

describe("export helper: refusals from an unsupported torch or a damaged package", () => {
  it("AOTIHUB_EXPORT_TORCH: a torch version without major.minor", () => {
    expect(outcomes.torch.code).toBe("AOTIHUB_EXPORT_TORCH");
    expect(outcomes.torch.message).toContain("received: nightly");
  });

  it("AOTIHUB_EXPORT_PACKAGE: no wrapper metadata in the package, or a capability not like 90", () => {
    expect(outcomes.packageMetadata.code).toBe("AOTIHUB_EXPORT_PACKAGE");
    expect(outcomes.packageMetadata.message).toContain("wrapper_metadata.json");
    expect(outcomes.packageCapability.code).toBe("AOTIHUB_EXPORT_PACKAGE");
    expect(outcomes.packageCapability.message).toContain("'sm_90'");
  });

  it("AOTIHUB_EXPORT_CONSTANT: a non-contiguous constant", () => {
    expect(outcomes.constant.code).toBe("AOTIHUB_EXPORT_CONSTANT");
    expect(outcomes.constant.message).toContain("proj.weight");
    expect(outcomes.constant.message).toContain("contiguous");
  });

  it("AOTIHUB_EXPORT_COMPILE: AOTInductor hands back no file list", () => {
    expect(outcomes.compile.code).toBe("AOTIHUB_EXPORT_COMPILE");
    expect(outcomes.compile.message).toContain("received: str");
    expect(outcomes.compile.message).toContain(">= 2.10");
  });

  it("AOTIHUB_EXPORT_RUNTIME: a runtime that is neither libtorch nor standalone", () => {
    expect(outcomes.runtime.code).toBe("AOTIHUB_EXPORT_RUNTIME");
    expect(outcomes.runtime.message).toContain("'tensorrt'");
  });

  it("AOTIHUB_EXPORT_STANDALONE: a standalone .so that links libtorch, or calls an aten op", () => {
    expect(outcomes.standaloneLibtorch.code).toBe("AOTIHUB_EXPORT_STANDALONE");
    expect(outcomes.standaloneLibtorch.message).toContain("libtorch_cpu.so");
    expect(outcomes.standaloneAtenOp.code).toBe("AOTIHUB_EXPORT_STANDALONE");
    expect(outcomes.standaloneAtenOp.message).toContain("aoti_torch_cpu_addmm_out");
    // the bookkeeping function is provided, so it is not named
    expect(outcomes.standaloneAtenOp.message).not.toContain("aoti_torch_empty_strided");
  });

  it("AOTIHUB_EXPORT_STANDALONE: an op with no generated kernel is named while compiling", () => {
    expect(outcomes.standaloneNoKernel.code).toBe("AOTIHUB_EXPORT_STANDALONE");
    expect(outcomes.standaloneNoKernel.message).toContain("aten.mm.default");
    expect(outcomes.standaloneNoKernel.message).toContain("'b1.pt2'");
  });
});
