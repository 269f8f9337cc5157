"""Stage table of the cold-start runs: for each label (old, new, ...), the median and range over
its fresh processes of each figure and each stage stamp (ms since process start).
  python3 summarize.py <outdir>   (reads <outdir>/<label>-<i>.json, prints markdown)"""
import glob, json, os, re, statistics, sys

out = sys.argv[1]
runs = {}
for path in sorted(glob.glob(os.path.join(out, "*-[0-9].json"))):
    label = re.sub(r"-\d+\.json$", "", os.path.basename(path))
    try:
        runs.setdefault(label, []).append(json.load(open(path)))
    except Exception as e:  # a killed run leaves a partial file
        print(f"skip {path}: {e}", file=sys.stderr)

def flat(r):
    row = {k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    stats = r.get("stats", {})
    for k in ("torchLoadMs", "weightLoadMs", "loadMs"):
        if k in stats:
            row[f"stats.{k}"] = stats[k]
    for k, v in (stats.get("stages") or {}).items():
        row[f"@ {k}"] = v
    return row

order = ["old", "new", "new-noearly", "new-spawn", "new-warmup", "new-early", "new-noprewarm", "new-ctxonly", "sa-old", "sa-new", "sa-new-early"]
labels = sorted(runs, key=lambda l: (order.index(l) if l in order else len(order), l))
keys = []
for label in labels:
    for r in runs[label]:
        for k in flat(r):
            if k not in keys:
                keys.append(k)

# stage stamps as one timeline: by their median in new (else sa-new, else any label); counts and waits last
def when(k):
    for l in ["new", "sa-new"] + labels:  # one label's timeline where it has the stamp
        values = [flat(r)[k] for r in runs.get(l, []) if k in flat(r)]
        if values:
            return statistics.median(values)
    return 0
stamps = [k for k in keys if k.startswith("@ ") and not k.endswith((", ms", "copies"))]
keys = [k for k in keys if not k.startswith("@ ")] + sorted(stamps, key=when) + [
    k for k in keys if k.startswith("@ ") and k not in stamps]

def cell(values):
    if not values:
        return ""
    m = statistics.median(values)
    d = 2 if abs(m) < 10 else 0
    return f"{m:.{d}f} ({min(values):.{d}f}-{max(values):.{d}f})" if len(values) > 1 else f"{m:.{d}f}"

print("| ms (median, range) | " + " | ".join(f"{l} (n={len(runs[l])})" for l in labels) + " |")
print("| --- |" + " --- |" * len(labels))
for k in keys:
    print(f"| {k} | " + " | ".join(cell([flat(r)[k] for r in runs[l] if k in flat(r)]) for l in labels) + " |")
