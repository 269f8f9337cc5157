"""Writes hostile variants of a real tiny-mlp package and its weights into argv[3] (a folder).

argv[1]: a real .pt2, argv[2]: its real weights (.safetensors). Each output is wrong in exactly
one way, so the runtime's refusal can be checked case by case.
"""

import json
import os
import struct
import subprocess
import sys
import zipfile

from safetensors.torch import load_file, save_file
import torch

pt2, weights, out = sys.argv[1], sys.argv[2], sys.argv[3]


def rewrite(dst, replace):
    with zipfile.ZipFile(pt2) as src, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            name, data = replace(info.filename, data)
            z.writestr(zipfile.ZipInfo(name, date_time=info.date_time), data)


with open(pt2, "rb") as f:
    whole = f.read()
with open(f"{out}/truncated.pt2", "wb") as f:
    f.write(whole[: len(whole) // 2])

rewrite(f"{out}/not-elf.pt2", lambda n, d: (n, b"this is not an ELF file\n" * 64 if n.endswith(".wrapper.so") else d))
# A real shared library that is not an AOTI model: built here with the C++ compiler the addon's
# build needs anyway, so no system library path (which differs between distributions) is assumed.
foreign_so = f"{out}/foreign.so"
subprocess.run(
    [os.environ.get("CXX", "g++"), "-shared", "-fPIC", "-x", "c++", "-", "-o", foreign_so],
    input=b'extern "C" int not_an_aoti_model(int x) { return x + 1; }\n',
    check=True,
)
with open(foreign_so, "rb") as f:
    foreign = f.read()
assert foreign[:4] == b"\x7fELF"
rewrite(f"{out}/not-aoti.pt2", lambda n, d: (n, foreign if n.endswith(".wrapper.so") else d))
rewrite(f"{out}/traversal.pt2", lambda n, d: (n.replace("/data/", "/../../data/", 1) if n.endswith(".wrapper.so") else n, d))

tensors = load_file(weights)
wrong = dict(tensors)
name = next(k for k, v in tensors.items() if v.dtype == torch.float32)
wrong[name] = tensors[name].view(torch.int32)
save_file(wrong, f"{out}/wrong-dtype.safetensors")
missing = dict(tensors)
missing.pop(name)
save_file(missing, f"{out}/missing.safetensors")

header = json.dumps({"w": {"dtype": "F32", "shape": [1024, 1024], "data_offsets": [0, 4 * 1024 * 1024]}}).encode()
with open(f"{out}/lying-header.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + b"\0" * 64)
print(name)
