"""Sizes of the shared libraries a run mapped (the `mappedLibraries` figure of standalone-gpu's
results JSON), measured on the machine that ran it: what a service on that runtime loads."""

import json
import os
import sys

for path in sys.argv[1:]:
    try:
        with open(path) as f:
            mapped = json.load(f)["figures"].get("mappedLibraries", [])
    except (OSError, KeyError, ValueError) as error:
        print(json.dumps({"file": path, "error": str(error)}))
        continue
    rows = [{"path": p, "bytes": os.path.getsize(p)} for p in mapped if os.path.exists(p)]
    # The driver (libcuda, libnvidia-*) and the C/C++ runtime come with the machine, not the service.
    system = ("libcuda.so", "libnvidia", "libc.so", "libm.so", "libstdc++", "libgcc_s", "libdl.so", "libpthread",
              "ld-linux", "librt.so")
    service = [r for r in rows if not os.path.basename(r["path"]).startswith(system)]
    print(json.dumps({"file": os.path.basename(path), "serviceBytes": sum(r["bytes"] for r in service),
                      "service": service, "allBytes": sum(r["bytes"] for r in rows)}, indent=1))
