"""Turns a standalone GPU slot's outdir (device.sh's JSON and logs) into the markdown of
docs/benchmarks.md "The standalone runtime on the GPU" and the CUDA symbol table of
docs/standalone-runtime.md, so figures are copied by a program, not by hand.
    python3 bench/gpu/standalone/report.py <slot outdir>"""

import glob
import json
import os
import re
import sys

from outdir_json import load_json

root = sys.argv[1]


def load(name: str) -> dict | None:
    return load_json(root, name)


def ms(value: object) -> str:
    return f"{value:.0f} ms" if isinstance(value, (int, float)) else "-"


def fine_ms(value: object) -> str:
    return f"{value:.2f} ms" if isinstance(value, (int, float)) else "-"


def checks_line(doc: dict | None) -> str:
    return doc["summary"]["line"] if doc else "did not run"


print("### FLUX-like DiT, 1024 tokens, bf16: standalone against libtorch (bench/gpu/standalone/device.sh)\n")
print("| measure | standalone (no libtorch) | libtorch build | ratio |")
print("| --- | --- | --- | --- |")
sa = {n: load(f"flux-standalone-{n}.json") for n in (1, 2)}
lt = {n: load(f"flux-libtorch-{n}.json") for n in (1, 2)}


def fig(doc: dict | None, key: str) -> object:
    if not doc:
        return None
    figures = doc["figures"]
    if key in figures:
        return figures[key]
    case = next((v for v in figures.values() if isinstance(v, dict) and key in v), None)
    return case[key] if case else None


def row(label: str, key: str, fmt=ms) -> None:
    a, b = fig(sa[2], key), fig(lt[2], key)
    ratio = f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else ""
    print(f"| {label} | {fmt(a)} (first run {fmt(fig(sa[1], key))}) | {fmt(b)} (first run {fmt(fig(lt[1], key))}) | {ratio} |")


row("process start to first output (node start included; warm page cache)", "processStartToFirstOutputMs")
row("loadPackages (runtime + CUDA context + 1.08 GB weights + model)", "loadMs")
row("steady call, median (host I/O)", "steadyMedianMs", fine_ms)
row("steady call, p90", "steadyP90Ms", fine_ms)
print(f"| relative error vs eager | {fig(sa[2], 'relErr')} | {fig(lt[2], 'relErr')} | |")
print(f"| checks | {checks_line(sa[2])} | {checks_line(lt[2])} | |")

mapped = []
try:
    with open(os.path.join(root, "mapped-size.json")) as f:
        text = f.read()
    for chunk in re.split(r"(?m)^(?=\{)", text):
        if chunk.strip():
            mapped.append(json.loads(chunk))
except (OSError, ValueError):
    pass
for m in mapped:
    if "service" in m:
        libs = ", ".join(f"{os.path.basename(r['path'])} {r['bytes'] / 2**20:.1f} MiB" for r in m["service"])
        print(f"\nMapped by {m['file']} beyond the driver and the C/C++ runtime: {m['serviceBytes'] / 2**20:.1f} MiB ({libs}).")

print("\n### loadCompiled, CUDA standalone path (local Hub on loopback, torch unfindable)\n")
print("| run | checks | process start to first output | loadCompiled | steady median |")
print("| --- | --- | --- | --- | --- |")
for name in ["load-compiled-mlp", "load-compiled-flux-1", "load-compiled-flux-2"]:
    doc = load(f"{name}.json")
    f = doc["figures"] if doc else {}
    warm = "warm HF cache" if f.get("warmHfCache") else "cold HF cache (downloads)"
    print(f"| {name} ({warm}) | {checks_line(doc)} | {ms(f.get('processStartToFirstOutputMs'))} | "
          f"{ms(f.get('loadCompiledMs'))} | {fine_ms(f.get('steadyMedianMs'))} |")

print("\n### The other standalone models against eager on the GPU\n")
doc = load("models.json")
print("| model | relative error | steady median | load |")
print("| --- | --- | --- | --- |")
if doc:
    for name, value in doc["figures"].items():
        if isinstance(value, dict) and "relErr" in value:
            print(f"| {name} | {value['relErr']:.2e} | {fine_ms(value.get('steadyMedianMs'))} | {ms(value.get('loadMs'))} |")
    print(f"\n{checks_line(doc)}")

print("\n### Compile times on the device (aotihub_export log lines)\n")
for log in sorted(glob.glob(os.path.join(root, "compile-logs", "*.log"))):
    with open(log, errors="replace") as f:
        lines = [line.strip() for line in f if "compiled in" in line or "AOTIHUB_" in line or "exported" in line]
    print(f"- {os.path.basename(log)}: " + "; ".join(lines[-6:]))

print("\n### Shim functions the CUDA builds need (nm -D --undefined-only on the device)\n")
try:
    with open(os.path.join(root, "symbols.md")) as f:
        print(f.read())
except OSError:
    print("(no symbols.md)")
