"""Checks symbols.py's table against what the addon exports: every aoti_torch_* function a compiled
.so needs must be defined by the addon (`nm -D --defined-only`), no .so may need libtorch/libc10,
and the rest of its undefined names must be CUDA runtime/driver calls or the C/C++ runtime.
    python3 shim_coverage.py <symbols.json> <aotihub_native.node> [<out.json>]
Prints one line per package and exits 1 when any package needs something the addon lacks."""

import json
import re
import subprocess
import sys

symbols_file, addon = sys.argv[1], sys.argv[2]
with open(symbols_file) as f:
    packages = json.load(f)
nm = subprocess.run(["nm", "-D", "--defined-only", addon], capture_output=True, text=True, check=True).stdout
exported = {line.split()[-1] for line in nm.splitlines() if line.strip()}
# Versioned names (name@GLIBC_2.x) come from libc/libstdc++/libgcc; cuda*/cu* from libcudart/libcuda;
# _ZGTt* are libstdc++'s transactional-memory clones, weak references nothing needs to provide;
# any other name the addon defines (Sleef stand-ins) is provided too.
expected_other = re.compile(r"^(cuda|cu[A-Z]|__cuda|_ITM_|_ZGTt|__gmon|__cxa|_Unwind)|@")
report = {}
bad = False
for name, info in sorted(packages.items()):
    missing = sorted(s for s in info["aoti"] if s not in exported)
    libtorch = sorted(lib for lib in info["needed"] if lib.startswith(("libtorch", "libc10")))
    unexpected = sorted(s for s in info["other"] if not expected_other.search(s) and s not in exported)
    aten = sorted(s for s in info["aoti"] if s.startswith(("aoti_torch_cuda_", "aoti_torch_cpu_")))
    ok = not (missing or libtorch or aten)
    bad |= not ok
    report[name] = {"ok": ok, "shim": len(info["aoti"]), "missing": missing, "aten": aten,
                    "libtorch": libtorch, "unexpectedOther": unexpected, "needed": info["needed"]}
    print(f"{'OK  ' if ok else 'FAIL'} {name}: {len(info['aoti'])} shim functions, all exported by the addon"
          if ok else f"FAIL {name}: missing {missing} aten {aten} libtorch {libtorch}")
    if unexpected:
        print(f"     other undefined names: {' '.join(unexpected)}")
if len(sys.argv) > 3:
    with open(sys.argv[3], "w") as f:
        json.dump(report, f, indent=1)
sys.exit(1 if bad else 0)
