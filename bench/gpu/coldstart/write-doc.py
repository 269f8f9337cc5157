"""Writes the cold-start subsection of docs/benchmarks.md from a slot's results folder (made by
bench/gpu/coldstart/device.sh): the share of each stage, before (old) and after (new), medians of
the fresh processes, and the full stamp table.
  python3 bench/gpu/coldstart/write-doc.py <results-dir> <slot-name> [docs/benchmarks.md]
COLDSTART_DOC_TAG=<tag> writes another subsection (markers <!-- <tag>:begin/end -->) before the first one,
so a later slot's before/after does not replace an earlier slot's."""
import glob, json, os, re, statistics, subprocess, sys

res, slot = sys.argv[1], sys.argv[2]
doc = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "../../../docs/benchmarks.md")
tag = os.environ.get("COLDSTART_DOC_TAG", "coldstart-early-gpu")
BEGIN, END = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
here = os.path.dirname(os.path.abspath(__file__))

runs = {}
for path in sorted(glob.glob(os.path.join(res, "*-[0-9].json"))):
    label = re.sub(r"-\d+\.json$", "", os.path.basename(path))
    try:
        runs.setdefault(label, []).append(json.load(open(path)))
    except Exception:
        pass

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def shares(r):
    """Durations (ms) of each stage of one fresh process."""
    s = (r.get("stats") or {}).get("stages") or {}
    st = r.get("stats") or {}
    imports = r["node start + bench imports"] + r["loader imports"]
    d = {"process start to first output": r["process start to first output"],
         "node start + imports": imports, "loadCompiled": r["loadCompiled"], "first call": r["first call"],
         "steady call": r.get("steady call (median of 5)"),
         "first call, other bucket (4096)": r.get("first call, other bucket")}
    def span(a, b):
        return s[b] - s[a] if a in s and b in s else None
    if s:
        d["  loader until the device is chosen (name, lockfile, device probe)"] = (
            s["device chosen"] - imports if "device chosen" in s else s["load start"] - imports)
        d["  libtorch dlopen starts (ms since process start)"] = s.get("libtorch dlopen start")
        d["  loader + package checks (beside the dlopen when early)"] = span("device chosen", "packages verified")
        d["  libtorch dlopen"] = span("libtorch dlopen start", "libtorch dlopen end")
        d["  loadPackages waits for the early dlopen"] = s.get("libtorch preload: join wait, ms")
        d["  standalone runtime (libcudart) loaded"] = span("packages verified", "standalone runtime loaded")
        d["  cuInit done (ms since process start)"] = s.get("early driver initialized", s.get("cuda driver initialized"))
        d["  CUDA context ready (ms since process start)"] = s.get("early context ready", s.get("cuda context ready"))
        if "cuda context ready" in s:
            d["  (beside it) CUDA runtime + context"] = s["cuda context ready"] - s["cuda prewarm start"]
        d["  weights (wait for context + upload)"] = s["weights end"] - max(
            s.get("libtorch dlopen end", 0), s.get("libtorch made global", 0), s.get("standalone runtime loaded", 0),
            s.get("packages verified", 0))
        d["  variants open"] = span("weights end", "variants open")
        if "warm-up done" in s:
            d["  warm-up"] = s["warm-up done"] - s["variants open"]
    else:
        d["  libtorch load"] = st.get("torchLoadMs")
        d["  weights (incl. CUDA context)"] = st.get("weightLoadMs")
        d["  the rest (name, probe, extract, variants)"] = st["loadMs"] - st["torchLoadMs"] - st["weightLoadMs"]
    d = {k: v for k, v in d.items() if v is not None}
    return d

order = ["old", "new", "new-auto", "new-noearly", "new-spawn", "new-warmup", "new-early", "sa-old", "sa-new", "sa-new-early"]
labels = [l for l in order if l in runs] + sorted(l for l in runs if l not in order)
table = {l: [shares(r) for r in runs[l]] for l in labels}
keys = []
for l in labels:
    for d in table[l]:
        keys += [k for k in d if k not in keys]

def cell(l, k):
    values = [d.get(k) for d in table[l] if d.get(k) is not None]
    if not values:
        return ""
    m, digits = statistics.median(values), (1 if statistics.median(values) < 10 else 0)
    return f"{m:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"

machine = ""
for f in glob.glob(os.path.join(res, "..", "machine*.txt")):
    machine = open(f).read()
torch = re.search(r"^\d+\.\d+\.\d+\+\S+$", machine, re.M)
card = re.search(r"^(NVIDIA [^,]+), ([\d.]+)", machine, re.M)
log = open(os.path.join(res, "device.log")).read() if os.path.exists(os.path.join(res, "device.log")) else ""
buckets = ("1024 tokens only (the two-bucket compile did not finish in the slot's compile time)"
           if "== model: /tmp/coldstart-models/flux-like-1024" in log else "1024 and 4096 tokens")
compile_times = open(os.path.join(res, "compile-times.txt")).read().strip().replace("\n", "; ") if os.path.exists(os.path.join(res, "compile-times.txt")) else "not recorded"
old_commit = re.search(r"== prefetch old \((\w+)\)", log)
old_commit = old_commit.group(1) if old_commit else "c3fe960"
new_commit = re.search(r"== prefetch new \((\w+)\)", log)
new_commit = new_commit.group(1) if new_commit else "this build"
new_desc = os.environ.get("COLDSTART_NEW_DESC", "libtorch's dlopens and the CUDA prewarm start when the device is chosen")
wall = open(os.path.join(res, "wall.txt")).read() if os.path.exists(os.path.join(res, "wall.txt")) else ""

lines = [BEGIN, "#### The runtime started early: before and after, fresh processes (bench/gpu/cold-start-gpu.bench.ts)", ""]
lines.append(f"Card: **{card.group(1) if card else 'NVIDIA H200'}** (driver {card.group(2) if card else '?'}), torch {torch.group(0) if torch else '2.11.0+cu130'}, Node 20.20.2, {slot}. "
             f"Model: `bench/gpu/flux_like.py` (width 3072, 24 heads, 3 blocks, 1.08 GB bf16 weights), compiled on the device, buckets {buckets}; compile: {compile_times} (s, in parallel with the other lanes' compiles). "
             "Each build prefetched the repo once through `startHubServer` on loopback into its own Hugging Face cache; every timed run is a fresh `node` process calling `loadCompiled` with `HF_HUB_OFFLINE=1` (warm cache, nothing asked of the Hub), then one call on the 1024-token inputs. "
             f"Labels: old = main at {old_commit} with its addon; new = {new_commit} ({new_desc}); new-auto = new with `device: 'auto'` (loadCompiled's default; the others name `cuda:0`); new-noearly = `AOTIHUB_EARLY_START=0`; new-spawn = `AOTIHUB_PYTHON_LAYOUT_CACHE=0` (torch located by a python spawn); new-warmup = `warmup: true`; new-early and sa-new-early = new and sa-new run as `node --import @aotihub/loader/cuda-early` (cuInit and the context from process start); "
             "sa-old / sa-new = the model's standalone build (1024-token bucket, `bench/gpu/standalone/flux_like_standalone.py`), with torch unfindable (no python3 on PATH, libcudart from CUDA_HOME), old and new. "
             "Processes interleaved, rounds as in wall.txt; ms, median (range) of the processes each label had. Indented rows are parts of `loadCompiled`.")
lines += ["", "| ms | " + " | ".join(f"{l} (n={len(runs[l])})" for l in labels) + " |", "| --- |" + " --- |" * len(labels)]
for k in keys:
    lines.append(f"| {k} | " + " | ".join(cell(l, k) for l in labels) + " |")
n = {l: med([d["process start to first output"] for d in table[l]]) for l in labels}
lc = {l: med([d["loadCompiled"] for d in table[l]]) for l in labels}
lines.append("")
olds = lambda l: f"; {l} {n[l]:.0f} ms" if n.get(l) is not None else ""
news = [l for l in labels if l.startswith("new") and l != "new-warmup" and n[l] is not None]
if news:
    best = min(news, key=lambda l: n[l])
    fastest = min(news, key=lambda l: lc[l])
    lines.append(f"Goal 2, fresh process to first output < 1.0 s: **{'met' if n[best] < 1000 else 'not met'}** "
                 f"(best: {best}, median {n[best]:.0f} ms{olds('old')}). "
                 f"loadCompiled < 0.5 s: **{'met' if lc[fastest] < 500 else 'not met'}** (best: {fastest}, median {lc[fastest]:.0f} ms"
                 + "".join(f"; {l} {lc[l]:.0f} ms" for l in news if l != fastest)
                 + (f"; old {lc['old']:.0f} ms" if lc.get("old") is not None else "") + ").")
sa = [l for l in labels if l.startswith("sa-new") and n[l] is not None]
if sa:
    best = min(sa, key=lambda l: n[l])
    lines.append(f"Issue 13, standalone build, fresh process to first output < 0.3 s: **{'met' if n[best] < 300 else 'not met'}** "
                 f"(best: {best}, median {n[best]:.0f} ms" + "".join(f"; {l} {n[l]:.0f} ms" for l in sa if l != best)
                 + olds("sa-old") + f"; loadCompiled {lc[best]:.0f} ms).")
lines += ["", "Process wall times (spawn to exit, `date`; they also hold the 5 steady calls, the other bucket's first call and teardown): " + "; ".join(w.strip() for w in wall.splitlines()), "", END]
section = "\n".join(lines)
text = open(doc).read()
if BEGIN in text:
    text = re.sub(re.escape(BEGIN) + r"[\s\S]*" + re.escape(END), lambda _: section, text)
else:
    anchor = "<!-- coldstart-early-gpu:begin -->" if tag != "coldstart-early-gpu" and "<!-- coldstart-early-gpu:begin -->" in text else "<!-- coldstart-gpu:begin -->"
    text = text.replace(anchor, section + "\n\n" + anchor, 1)
open(doc, "w").write(text)
print(section)
