"""Tables of the firstcall lane's slot run (bench/gpu/firstcall/device.sh).
  python3 summarize.py <outdir>          markdown to stdout, <outdir>/summary.json
  python3 summarize.py --ops <repo>      the fused attention ops each compiled package calls
  python3 summarize.py --piece <json>    one line for a python piece"""

import glob
import json
import os
import re
import statistics
import sys
import zipfile


def ops(repo: str) -> str:
    found = []
    for pt2 in sorted(glob.glob(os.path.join(repo, "aoti", "*", "*", "*.pt2"))):
        with zipfile.ZipFile(pt2) as z:
            text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith("wrapper.cpp"))
        calls = sorted(set(re.findall(r"aoti_torch_cuda__scaled_dot_product_\w+", text)))
        # each generated kernel is a module loaded on the first call (cuModuleLoadData)
        kernels = len(set(re.findall(r"\b(triton_(?:poi|red|per|tem|for)_\w+)", text)))
        extern = sorted(set(re.findall(r"aoti_torch_cuda_(\w+?)(?:_out)?\(", text)))
        found.append(f"{os.path.basename(pt2)}: {calls or 'no fused attention'}; {kernels} kernels; aten calls {extern}")
    return "; ".join(found) or "no package"


def piece_line(path: str) -> str:
    r = json.load(open(path))
    parts = [f"ctx {r['context_ms']:.0f}"]
    if "default_choice" in r:
        parts.append(f"default={r['default_choice']}")
    for key in ("1024", "4096"):
        if key in r:
            x = r[key]
            parts.append(f"{key}: first {x['first_ms']:.1f} second {x['second_ms']:.2f} steady {x['steady_ms']:.3f} new {x['mapped_by_first']}")
    if "handle_ms" in r:
        parts.append(f"cuBLAS handle {r['handle_ms']:.1f}")
    for name in ("blas warm-up", "conv", "conv as matmul", "tiny matmul", "tiny matmul (other thread)", "qkv"):
        if name in r:
            x = r[name]
            parts.append(f"{name}: first {x['first_ms']:.1f} second {x['second_ms']:.2f} steady {x['steady_ms']:.3f} new {x['mapped_by_first']}")
    for name, x in (r.get("linears") or {}).items():
        parts.append(f"{name}: first {x['first_ms']:.1f} steady {x['steady_ms']:.3f} new {x['mapped_by_first']}")
    return "; ".join(parts)


def med(values):
    values = [v for v in values if isinstance(v, (int, float))]
    if not values:
        return ""
    f = (lambda v: f"{v:.2e}") if max(values) < 0.01 else (lambda v: f"{v:.2f}")
    return f"{f(statistics.median(values))} ({f(min(values))}-{f(max(values))})" if len(values) > 1 else f(values[0])


def table(out: str) -> None:
    runs: dict[str, list[dict]] = {}
    for path in sorted(glob.glob(os.path.join(out, "node-*.json"))):
        m = re.match(r"node-(.+)-([^-]+)\.json", os.path.basename(path))
        label = m.group(1) + ("" if m.group(2).isdigit() else f"-{m.group(2)}")
        try:
            runs.setdefault(label, []).append(json.load(open(path)))
        except Exception as e:  # a killed run leaves a partial file
            print(f"skip {path}: {e}", file=sys.stderr)
    keys = ["process start to first output", "node start + imports + io read", "loadPackages", "first call",
            "second call", "steady call (median)", "steady call (p90)", "relErr"]
    labels = sorted(runs)
    lines = ["| ms, median (range) | " + " | ".join(f"{l} (n={len(runs[l])})" for l in labels) + " |",
             "| --- |" + " --- |" * len(labels)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(med([r.get(k) for r in runs[l]]) for l in labels) + " |")
    lines.append("| mapped by the first call | " + " | ".join(
        ", ".join(sorted({n for r in runs[l] for n in r.get("mapped by the first call", [])})) or "-" for l in labels) + " |")
    print("\n".join(lines))
    pieces = {}
    for path in sorted(glob.glob(os.path.join(out, "py-*.json"))):
        name = os.path.basename(path)[3:-5]
        try:
            pieces[name] = json.load(open(path))
            print(f"- py {name}: {piece_line(path)}")
        except Exception as e:
            print(f"- py {name}: unreadable ({e})")
    json.dump({"node": runs, "pieces": pieces}, open(os.path.join(out, "summary.json"), "w"), indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "--ops":
        print(ops(sys.argv[2]))
    elif sys.argv[1] == "--piece":
        print(piece_line(sys.argv[2]))
    else:
        table(sys.argv[1])
