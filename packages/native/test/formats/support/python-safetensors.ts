import { runPythonJson } from "./fixtures.js";

export interface PythonTensor {
  name: string;
  dtype: string;
  shape: number[];
  sha256: string;
}

/**
 * Python's safetensors as the judge: for each file, `safe_open` either lists every tensor (with
 * the sha256 of its bytes) or fails. Loading each tensor makes the reader check its bounds too.
 */
export async function judgeWithPython(
  paths: string[],
): Promise<({ ok: true; tensors: PythonTensor[] } | { ok: false; error: string })[]> {
  return runPythonJson(
    `
import hashlib, json, sys
import torch
from safetensors import safe_open
out = []
for path in sys.argv[1:]:
    try:
        tensors = []
        with safe_open(path, framework="pt") as f:
            for name in f.keys():
                t = f.get_tensor(name).contiguous()
                raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
                tensors.append({"name": name, "dtype": str(t.dtype).removeprefix("torch."),
                                "shape": list(t.shape), "sha256": hashlib.sha256(raw).hexdigest()})
        out.append({"ok": True, "tensors": tensors})
    except Exception as e:
        out.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
print(json.dumps(out))
`,
    paths,
  );
}

/** Writes, with the real `safetensors.torch.save_file`, one tensor of every supported dtype. */
export const WRITE_EVERY_DTYPE = `
import sys, torch
from safetensors.torch import save_file
g = torch.Generator().manual_seed(0)
t = {
  "f32": torch.randn(3, 5, generator=g),
  "f16": torch.randn(4, 2, generator=g).half(),
  "bf16": torch.randn(7, generator=g).bfloat16(),
  "f8e4m3": torch.randn(2, 3, generator=g).to(torch.float8_e4m3fn),
  "f8e5m2": torch.randn(3, 3, generator=g).to(torch.float8_e5m2),
  "i64": torch.arange(-3, 6, dtype=torch.int64).reshape(3, 3),
  "i32": torch.arange(10, dtype=torch.int32),
  "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
  "u8": torch.tensor([[0, 255]], dtype=torch.uint8),
  "bool": torch.tensor([True, False, True]),
  "scalar": torch.tensor(2.5),
  "empty": torch.zeros(0, 4),
}
save_file(t, sys.argv[1], metadata={"format": "pt", "note": "every dtype"})
print("{}")
`;
