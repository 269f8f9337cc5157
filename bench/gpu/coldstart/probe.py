"""Stage probe for a fresh process (no torch import): dlopen of libtorch_cuda, CUDA context, cuBLAS/cuBLASLt
handles, serial vs overlapped on two threads. Prints one JSON line. argv[1]: serial | overlap | overlap-pre"""
import ctypes, glob, importlib.util, json, os, sys, threading, time

T0 = time.perf_counter()
ms = lambda: round((time.perf_counter() - T0) * 1000, 1)
mode = sys.argv[1]
torch_dir = os.path.dirname(importlib.util.find_spec("torch").origin)
site = os.path.dirname(torch_dir)
lib = os.path.join(torch_dir, "lib")
def find(pat):
    hits = sorted(glob.glob(os.path.join(site, "nvidia", "**", pat), recursive=True)) + sorted(glob.glob(os.path.join(lib, pat)))
    return hits[0] if hits else None
cudart, cublas, cublaslt = find("libcudart.so*"), find("libcublas.so*"), find("libcublasLt.so*")
ev = {"mode": mode, "find_ms": ms(), "cudart": cudart, "cublas": cublas}
RTLD = os.RTLD_NOW | os.RTLD_GLOBAL

def torch_side():
    ev["torch_dlopen_start"] = ms()
    ctypes.CDLL(os.path.join(lib, "libtorch_cuda.so"), mode=RTLD)
    ev["torch_dlopen_end"] = ms()

def cuda_side():
    ev["cuda_start"] = ms()
    if mode == "overlap-pre":
        ctypes.CDLL("libcuda.so.1", mode=RTLD)
        ev["libcuda_dlopen_end"] = ms()
    rt = ctypes.CDLL(cudart, mode=RTLD)
    ev["cudart_dlopen_end"] = ms()
    rc = rt.cudaFree(ctypes.c_void_p(0))
    ev["ctx_end"] = ms(); ev["ctx_rc"] = rc
    h = ctypes.c_void_p()
    if cublaslt:
        lt = ctypes.CDLL(cublaslt, mode=RTLD)
        ev["cublaslt_dlopen_end"] = ms()
        ev["lt_rc"] = lt.cublasLtCreate(ctypes.byref(h)); ev["cublaslt_create_end"] = ms()
    if cublas:
        b = ctypes.CDLL(cublas, mode=RTLD)
        ev["cublas_dlopen_end"] = ms()
        ev["blas_rc"] = b.cublasCreate_v2(ctypes.byref(h)); ev["cublas_create_end"] = ms()
    ev["cuda_end"] = ms()

if mode == "serial":
    torch_side(); cuda_side()
else:
    a = threading.Thread(target=torch_side); b = threading.Thread(target=cuda_side)
    a.start(); b.start(); a.join(); b.join()
ev["total_ms"] = ms()
print(json.dumps(ev))
