"""The shim functions real models need: the undefined aoti_torch_* symbols (and DT_NEEDED) of every
compiled .so under a models folder, read with the machine's `nm -D --undefined-only` and
`readelf -d`. Writes a JSON (package -> symbols) and prints a markdown table to stdout."""

import json
import os
import subprocess
import sys
import tempfile
import zipfile

root, out = sys.argv[1], sys.argv[2]
packages = {}
for folder, _dirs, files in os.walk(root):
    for name in files:
        if not name.endswith(".pt2"):
            continue
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, root)
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as scratch:
            for member in archive.namelist():
                if not member.endswith(".so"):
                    continue
                so = archive.extract(member, scratch)
                nm = subprocess.run(["nm", "-D", "--undefined-only", so], capture_output=True, text=True).stdout
                undefined = sorted({line.split()[-1] for line in nm.splitlines() if line.strip()})
                dyn = subprocess.run(["readelf", "-d", so], capture_output=True, text=True).stdout
                needed = sorted(line.split("[")[1].rstrip("]") for line in dyn.splitlines() if "(NEEDED)" in line)
                packages[rel] = {
                    "needed": needed,
                    "aoti": [s for s in undefined if s.startswith("aoti_torch_")],
                    "other": [s for s in undefined if not s.startswith("aoti_torch_")],
                }
with open(out, "w") as f:
    json.dump(packages, f, indent=1)
names = sorted(packages)
every = sorted({s for p in packages.values() for s in p["aoti"]})
print("| function | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for s in every:
    print(f"| `{s}` | " + " | ".join("x" if s in packages[n]["aoti"] else "" for n in names) + " |")
for n in names:
    # Unversioned non-shim symbols (CUDA runtime/driver, Sleef, ...): the versioned ones are libc/libstdc++.
    unversioned = [s for s in packages[n]["other"] if "@" not in s and not s.startswith(("_ITM_", "__gmon"))]
    print(f"\n{n}: NEEDED {packages[n]['needed']}; other unversioned undefined: {' '.join(unversioned)}")
