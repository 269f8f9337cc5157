"""Turns an fp8/conv standalone GPU run's outdir (fp8-conv-device.sh) into markdown for
docs/standalone-runtime.md and docs/benchmarks.md, so figures are copied by a program, not by hand.
    python3 bench/gpu/standalone/fp8-conv-report.py <outdir>"""

import json
import os
import re
import sys

root = sys.argv[1]
LABELS = {
    "conv-small": "small-conv fp32, 1x3x16x16",
    "conv-decoder": "VAE-decoder-like conv bf16, 1x16x32x32 -> 1x3x64x64",
    "fp8-tiny": "DiT tiny fp8 (~0.3M params), 64 tokens",
    "fp8-53m": "DiT 53M fp8, 1024 tokens",
    "fp8-flux": "FLUX-like DiT fp8 (width 3072, 3 blocks), 1024 tokens",
}


def load(name: str) -> dict | None:
    try:
        with open(os.path.join(root, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def rc(job: str) -> str:
    try:
        with open(os.path.join(root, f"{job}.rc")) as f:
            code, seconds = f.read().split()
        return f"{seconds} s" if code == "0" else f"exit {code} after {seconds} s"
    except (OSError, ValueError):
        return "did not finish"


print("| model | compile (device, in parallel) | checks | relative error vs eager | steady call, median / p90 | loadPackages |")
print("| --- | --- | --- | --- | --- | --- |")
for label, title in LABELS.items():
    doc = load(f"{label}.json")
    case = next((v for v in (doc or {}).get("figures", {}).values() if isinstance(v, dict)), {})
    line = doc["summary"]["line"] if doc else "did not run"
    err = f"{case['relErr']:.2e}" if "relErr" in case else "-"
    steady = f"{case['steadyMedianMs']:.3f} / {case['steadyP90Ms']:.3f} ms" if "steadyMedianMs" in case else "-"
    load_ms = f"{case['loadMs']:.0f} ms" if "loadMs" in case else "-"
    print(f"| {title} | {rc(label)} | {line} | {err} | {steady} | {load_ms} |")

symbols = load("symbols.json") or {}
names = sorted(symbols)
short = {n: re.sub(r"/aoti/[^/]+/", " ", n.replace("standalone-", "")).replace(".pt2", "") for n in names}
every = sorted({s for p in symbols.values() for s in p["aoti"]})
print("\nShim functions each build needs (`nm -D --undefined-only` on the device):\n")
print("| function | " + " | ".join(short[n] for n in names) + " |")
print("| --- |" + " --- |" * len(names))
for s in every:
    print(f"| `{s}` | " + " | ".join("x" if s in symbols[n]["aoti"] else "" for n in names) + " |")
print("| **total** | " + " | ".join(str(len(symbols[n]["aoti"])) for n in names) + " |")
for n in names:
    print(f"\n- {short[n]}: DT_NEEDED {', '.join(symbols[n]['needed'])}")
try:
    with open(os.path.join(root, "coverage.log")) as f:
        print("\nAgainst the addon's exports (shim_coverage.py):\n\n```\n" + f.read().strip() + "\n```")
except OSError:
    pass
try:
    with open(os.path.join(root, "shim-cuda-probe.log")) as f:
        lines = f.read().splitlines()
    passed = sum(line.startswith("PASS") for line in lines)
    failed = [line for line in lines if line.startswith("FAIL")]
    conversions = [line for line in lines if "float8_e4m3fn" in line or "bfloat16 (cuda)" in line]
    print(f"\nC++ CUDA shim probe: {passed} passed, {len(failed)} failed. " + " ".join(failed))
    for line in conversions:
        print(f"- {line}")
except OSError:
    pass
