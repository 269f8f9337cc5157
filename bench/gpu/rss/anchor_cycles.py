"""The anchor of bench/gpu/rss: the same load/run/dispose cycle through torch's own C++ runner
(torch._C._aoti.AOTIModelContainerRunnerCuda / Cpu: dlopen of the model library, container create,
user-managed constants bound, one run, container delete, dlclose), with no aotihub code in the
process. RSS every `every` cycles after a gc; with test/support/malloc-trace.c (built as malloc-trace.so) preloaded and
RSS_PROBE_TRACE set, the allocations still live at the end, by call stack.

    python3 anchor_cycles.py <label> <device> <cycles> <every> <weights.safetensors> <io.safetensors> <pt2>...
"""

import ctypes
import gc
import os
import sys
import tempfile
import time
import zipfile

import torch
from safetensors.torch import load_file


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def extract(pt2: str, into: str) -> tuple[str, str]:
    """The package's model library and the folder of its cubins."""
    with zipfile.ZipFile(pt2) as z:
        z.extractall(into)
        so = next(n for n in z.namelist() if n.endswith(".so"))
    path = os.path.join(into, so)
    return path, os.path.dirname(path)


def main() -> None:
    label, device, cycles, every, weights_file, io_file, *pt2s = sys.argv[1:]
    cycles, every = int(cycles), int(every)
    cuda = device.startswith("cuda")
    work = tempfile.mkdtemp(prefix="rss-anchor-")
    libs = [extract(p, os.path.join(work, str(i))) for i, p in enumerate(pt2s)]
    weights = {k: v.to(device) for k, v in load_file(weights_file).items()}
    io = load_file(io_file)
    x = (io.get("x") if "x" in io else io["input.x"]).to(device)

    def runner(so: str, cubins: str):
        if not cuda:
            return torch._C._aoti.AOTIModelContainerRunnerCpu(so, 1)
        try:
            return torch._C._aoti.AOTIModelContainerRunnerCuda(so, 1, device, cubins)
        except TypeError:  # a torch whose constructor wants run_single_threaded too
            return torch._C._aoti.AOTIModelContainerRunnerCuda(so, 1, device, cubins, False)

    def cycle() -> None:
        runners = [runner(so, cubins) for so, cubins in libs]
        for r in runners:
            fqns = r.get_constant_names_to_original_fqns()
            r.update_constant_buffer({n: weights[f] for n, f in fqns.items() if f in weights}, False, False, True)
        out = runners[0].run([x])
        if cuda:
            torch.cuda.synchronize()
        del out, runners

    trace = os.environ.get("RSS_PROBE_TRACE")
    for _ in range(int(os.environ.get("RSS_PROBE_WARM", "10"))):
        cycle()
    gc.collect()
    first = rss_kib()
    if trace:
        ctypes.CDLL(None).rss_trace_mark()
    print(f"[{label}] cycle 0: RSS {first / 1024:.1f} MiB", flush=True)
    started = time.perf_counter()
    last = first
    for i in range(1, cycles + 1):
        cycle()
        if i % every == 0:
            gc.collect()
            last = rss_kib()
            print(f"[{label}] cycle {i}: RSS {last / 1024:.1f} MiB", flush=True)
    ms = (time.perf_counter() - started) * 1000 / cycles
    if trace:
        gc.collect()
        dump = ctypes.CDLL(None).rss_trace_dump
        dump.argtypes = [ctypes.c_char_p, ctypes.c_int]
        dump(trace.encode(), 40)
        with open(trace) as f:
            for line in f.read().split("\n")[:9]:
                print(f"[{label}] trace {line[:600]}")
    print(
        f"[{label}] anchor {cycles} cycles ({ms:.1f} ms each): RSS {first} -> {last} KiB "
        f"({(last - first) / cycles:.1f} KiB a cycle), torch {torch.__version__}",
        flush=True,
    )


main()
