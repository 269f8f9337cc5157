// Issue 13 on the GPU machine: the shim functions a CUDA model calls, called on the device through
// dlsym on the real addon (no Node: its Node-API imports are bound to traps, as in the CPU probe
// packages/native/test/standalone/support/shim-probe.cc), with libcudart loaded by the shim itself.
// Each check prints "PASS name: detail" or "FAIL name: detail"; the exit code is the failure count.
//   g++ -std=c++17 -O1 -rdynamic -o probe standalone-shim-cuda-probe.cc traps.o -ldl -lpthread
//   ./probe <addon.node> <libcudart.so.N>
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using H = void*;
static void* lib;
static int failures = 0;

template <typename F>
F Sym(const char* name) {
  void* p = dlsym(lib, name);
  if (p == nullptr) p = dlsym(RTLD_DEFAULT, name);
  if (p == nullptr) {
    std::printf("FAIL symbol %s: missing\n", name);
    std::exit(100);
  }
  return reinterpret_cast<F>(p);
}
#define FN(NAME, ...) Sym<__VA_ARGS__>(#NAME)

static void Check(const std::string& name, bool ok, const std::string& detail) {
  std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
  if (!ok) failures++;
}
template <typename T>
static std::string Str(const std::vector<T>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  lib = dlopen(argv[1], RTLD_LAZY | RTLD_GLOBAL);
  if (lib == nullptr) {
    std::printf("FAIL dlopen addon: %s\n", dlerror());
    return 100;
  }
  using EmptyFn = int32_t (*)(int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t, H*);
  using BlobFn = int32_t (*)(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t, int32_t, H*);
  using BlobV2Fn = int32_t (*)(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t, int32_t,
                               H*, int32_t, const uint8_t*, int64_t);
  using ReinterpretFn = int32_t (*)(H, int64_t, const int64_t*, const int64_t*, int64_t, H*);
  using HH = int32_t (*)(H, H*);
  using DelFn = int32_t (*)(H);
  using CopyFn = int32_t (*)(H, H, int32_t);
  using PtrGet = int32_t (*)(H, void**);
  using I64PGet = int32_t (*)(H, int64_t**);
  using I64Get = int32_t (*)(H, int64_t*);
  using I32Get = int32_t (*)(H, int32_t*);
  using Code = int32_t (*)();

  auto load = FN(aotihub_shim_load_cuda_runtime, int32_t (*)(const char*));
  auto path = FN(aotihub_shim_last_strided_copy_path, int32_t (*)());
  Check("aotihub_shim_load_cuda_runtime", load(argv[2]) == 0, argv[2]);
  // libcudart is global now: the probe's own CUDA calls (to set up and read back) go to the same one.
  auto cudaMalloc = FN(cudaMalloc, int (*)(void**, size_t));
  auto cudaMemcpy = FN(cudaMemcpy, int (*)(void*, const void*, size_t, int));
  auto cudaStreamCreate = FN(cudaStreamCreate, int (*)(void**));
  auto cudaDeviceSynchronize = FN(cudaDeviceSynchronize, int (*)());
  auto empty = FN(aoti_torch_empty_strided, EmptyFn);
  auto blob = FN(aoti_torch_create_tensor_from_blob, BlobFn);
  auto blob2 = FN(aoti_torch_create_tensor_from_blob_v2, BlobV2Fn);
  auto reinterpret = FN(aoti_torch__reinterpret_tensor, ReinterpretFn);
  auto alias = FN(aoti_torch_new_tensor_handle, HH);
  auto clone = FN(aoti_torch_clone, HH);
  auto clonePreserve = FN(aoti_torch_clone_preserve_strides, HH);
  auto del = FN(aoti_torch_delete_tensor_object, DelFn);
  auto copy = FN(aoti_torch_copy_, CopyFn);
  auto dataPtr = FN(aoti_torch_get_data_ptr, PtrGet);
  auto sizesOf = FN(aoti_torch_get_sizes, I64PGet);
  auto stridesOf = FN(aoti_torch_get_strides, I64PGet);
  auto dimOf = FN(aoti_torch_get_dim, I64Get);
  auto numelOf = FN(aoti_torch_get_numel, I64Get);
  auto offsetOf = FN(aoti_torch_get_storage_offset, I64Get);
  auto storageOf = FN(aoti_torch_get_storage_size, I64Get);
  auto dtypeOf = FN(aoti_torch_get_dtype, I32Get);
  auto devTypeOf = FN(aoti_torch_get_device_type, I32Get);
  auto devIndexOf = FN(aoti_torch_get_device_index, I32Get);
  auto guardNew = FN(aoti_torch_create_cuda_stream_guard, int32_t (*)(void*, int32_t, void**));
  auto guardDel = FN(aoti_torch_delete_cuda_stream_guard, int32_t (*)(void*));
  auto currentStream = FN(aoti_torch_get_current_cuda_stream, int32_t (*)(int32_t, void**));
  const int32_t cuda = FN(aoti_torch_device_type_cuda, Code)();
  const int32_t cpu = FN(aoti_torch_device_type_cpu, Code)();
  const int32_t f32 = FN(aoti_torch_dtype_float32, Code)();
  const int32_t bf16 = FN(aoti_torch_dtype_bfloat16, Code)();
  const int32_t i64 = FN(aoti_torch_dtype_int64, Code)();
  const int32_t e4m3 = FN(aoti_torch_dtype_float8_e4m3fn, Code)();
  Check("codes", cuda == 1 && cpu == 0 && f32 == 6 && bf16 == 15 && i64 == 4 && e4m3 == 24,
        "cuda 1, cpu 0, float32 6, bfloat16 15, int64 4, float8_e4m3fn 24");

  // A device tensor from float host data; read back with cudaMemcpy (kind 4: default).
  auto upload = [&](const std::vector<float>& host, std::vector<int64_t> sizes) {
    H t = nullptr;
    std::vector<int64_t> strides(sizes.size(), 1);
    for (size_t i = sizes.size() - 1; i-- > 0;) strides[i] = strides[i + 1] * sizes[i + 1];
    empty(static_cast<int64_t>(sizes.size()), sizes.data(), strides.data(), f32, cuda, 0, &t);
    void* p = nullptr;
    dataPtr(t, &p);
    cudaMemcpy(p, host.data(), host.size() * 4, 4);
    return t;
  };
  auto download = [&](H t, size_t n) {
    std::vector<float> host(n);
    void* p = nullptr;
    dataPtr(t, &p);
    cudaMemcpy(host.data(), p, n * 4, 4);
    return host;
  };
  std::vector<float> v24(24);
  for (int i = 0; i < 24; i++) v24[i] = static_cast<float>(i);

  {  // empty_strided + accessors on CUDA
    int64_t sizes[2] = {2, 3}, strides[2] = {3, 1};
    H t = nullptr;
    int32_t rc = empty(2, sizes, strides, f32, cuda, 0, &t);
    void* p = nullptr;
    int64_t *s = nullptr, *st = nullptr, dim = 0, numel = 0, off = -1, bytes = 0;
    int32_t dt = -1, dev = -1, idx = -1;
    dataPtr(t, &p);
    sizesOf(t, &s);
    stridesOf(t, &st);
    dimOf(t, &dim);
    numelOf(t, &numel);
    offsetOf(t, &off);
    storageOf(t, &bytes);
    dtypeOf(t, &dt);
    devTypeOf(t, &dev);
    devIndexOf(t, &idx);
    Check("empty_strided on cuda:0 and its accessors",
          rc == 0 && p != nullptr && s[0] == 2 && s[1] == 3 && st[0] == 3 && dim == 2 && numel == 6 && off == 0 &&
              bytes == 24 && dt == f32 && dev == cuda && idx == 0,
          "rc " + std::to_string(rc) + ", storage " + std::to_string(bytes) + " B, device " + std::to_string(dev) +
              ":" + std::to_string(idx));
    // the caching allocator hands the same block back on the same stream
    del(t);
    H again = nullptr;
    empty(2, sizes, strides, f32, cuda, 0, &again);
    void* q = nullptr;
    dataPtr(again, &q);
    Check("a freed block is reused on its stream", q == p, "same pointer");
    del(again);
  }
  {  // host <-> device copies through copy_ (dense)
    H dev = upload(std::vector<float>(6, 0.f), {2, 3});
    std::vector<float> host = {1, 2, 3, 4, 5, 6}, back(6, 0.f);
    int64_t sizes[2] = {2, 3}, strides[2] = {3, 1};
    H h = nullptr, hb = nullptr;
    blob(host.data(), 2, sizes, strides, 0, f32, cpu, 0, &h);
    blob2(back.data(), 2, sizes, strides, 0, f32, cpu, 0, &hb, 0, nullptr, 0);
    int32_t rc1 = copy(dev, h, 0), rc2 = copy(hb, dev, 0);
    Check("copy_ host -> device -> host (dense)", rc1 == 0 && rc2 == 0 && back == host, Str(back));
    H c = nullptr, cp = nullptr;
    clone(dev, &c);
    clonePreserve(dev, &cp);
    Check("clone and clone_preserve_strides on cuda", download(c, 6) == host && download(cp, 6) == host,
          Str(download(c, 6)));
    del(c);
    del(cp);
    del(h);
    del(hb);
    del(dev);
  }
  {  // strided device copies: a transpose (elements at a pitch), a window (rows), a broadcast (staged)
    H src = upload(v24, {4, 6});
    int64_t ts[2] = {6, 4}, tst[2] = {1, 6};
    H tr = nullptr;
    reinterpret(src, 2, ts, tst, 0, &tr);
    int64_t cs[2] = {6, 4}, cst[2] = {4, 1};
    H dst = nullptr;
    empty(2, cs, cst, f32, cuda, 0, &dst);
    int32_t rc = copy(dst, tr, 0);
    std::vector<float> expect;
    for (int j = 0; j < 6; j++)
      for (int i = 0; i < 4; i++) expect.push_back(static_cast<float>(i * 6 + j));
    auto got = download(dst, 24);
    Check("copy_ of a transposed cuda view", rc == 0 && got == expect && path() == 1,
          "path " + std::to_string(path()) + " (1: 2D copies), " + Str(got));
    H cl = nullptr;
    clone(tr, &cl);  // dense in another order: clone keeps the strides
    int64_t* clst = nullptr;
    stridesOf(cl, &clst);
    Check("clone of a transposed cuda view keeps its strides", clst[0] == 1 && clst[1] == 6 && download(cl, 24) == v24,
          "strides [" + std::to_string(clst[0]) + "," + std::to_string(clst[1]) + "]");
    int64_t ws[2] = {2, 4}, wst[2] = {6, 1};
    H win = nullptr, wdst = nullptr;
    reinterpret(src, 2, ws, wst, 7, &win);
    int64_t wcs[2] = {4, 1};
    empty(2, ws, wcs, f32, cuda, 0, &wdst);
    rc = copy(wdst, win, 0);
    got = download(wdst, 8);
    Check("copy_ of a window (rows at a pitch)", rc == 0 && got == std::vector<float>({7, 8, 9, 10, 13, 14, 15, 16}) &&
                                                   path() == 1,
          "path " + std::to_string(path()) + ", " + Str(got));
    int64_t bs[2] = {3, 4}, bst[2] = {0, 1};
    H bc = nullptr, bdst = nullptr;
    reinterpret(src, 2, bs, bst, 0, &bc);
    empty(2, bs, wcs, f32, cuda, 0, &bdst);
    rc = copy(bdst, bc, 0);
    got = download(bdst, 12);
    Check("copy_ of a broadcast (stride 0) view", rc == 0 && got == std::vector<float>({0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}) &&
                                                    path() == 2,
          "path " + std::to_string(path()) + " (2: staged), " + Str(got));
    // into a strided device destination from host memory; the gaps keep their bytes
    H big = upload(std::vector<float>(24, -1.f), {4, 6});
    H sub = nullptr;
    reinterpret(big, 2, ws, wst, 7, &sub);
    std::vector<float> host8 = {1, 2, 3, 4, 5, 6, 7, 8};
    H h8 = nullptr;
    blob(host8.data(), 2, ws, wcs, 0, f32, cpu, 0, &h8);
    rc = copy(sub, h8, 0);
    got = download(big, 24);
    Check("copy_ host -> a strided cuda window", rc == 0 && got[7] == 1 && got[10] == 4 && got[13] == 5 && got[16] == 8 &&
                                                   got[6] == -1 && got[11] == -1 && got[12] == -1,
          Str(got));
    for (H t : {tr, dst, cl, win, wdst, bc, bdst, sub, h8, big, src}) del(t);
  }
  {  // copy_ between dtypes (a host round trip in the shim): float32 <-> bfloat16 and float8_e4m3fn,
     // strided on the device, and from and to host memory. Expected values are torch 2.13's
     // (the CPU probe compares every conversion with torch; here: that the device paths carry them).
    std::vector<float> vals = {-1.0f, 0.15625f, 300.0f, 1000.0f, -0.001953125f, 2.5f};
    H src = upload(vals, {2, 3});
    int64_t ts[2] = {3, 2}, tst[2] = {1, 3}, cst[2] = {2, 1};
    H tr = nullptr, half = nullptr, back = nullptr, e4 = nullptr;
    reinterpret(src, 2, ts, tst, 0, &tr);
    empty(2, ts, cst, bf16, cuda, 0, &half);
    int32_t rc1 = copy(half, tr, 0);  // transposed float32 on the device -> dense bfloat16 on the device
    std::vector<float> hostBack(6, 0.f);
    H hb = nullptr;
    blob(hostBack.data(), 2, ts, cst, 0, f32, cpu, 0, &hb);
    int32_t rc2 = copy(hb, half, 0);  // device bfloat16 -> host float32
    // bfloat16 of 300 is 300 and of 1000 is 1000 (8 mantissa bits hold them); 0.15625 exact too
    const std::vector<float> wantHalf = {-1.0f, 1000.0f, 0.15625f, -0.001953125f, 300.0f, 2.5f};
    Check("copy_ float32 (transposed, cuda) -> bfloat16 (cuda) -> float32 (host)",
          rc1 == 0 && rc2 == 0 && hostBack == wantHalf, Str(hostBack));
    empty(2, ts, cst, e4m3, cuda, 0, &e4);
    int32_t rc3 = copy(e4, hb, 0);  // host float32 -> device float8_e4m3fn
    empty(2, ts, cst, f32, cuda, 0, &back);
    int32_t rc4 = copy(back, e4, 0);  // device float8_e4m3fn -> device float32
    std::vector<uint8_t> codes(6, 0);
    void* pe = nullptr;
    dataPtr(e4, &pe);
    cudaMemcpy(codes.data(), pe, 6, 4);
    // e4m3fn: 1000 saturates at 448 (torch 2.13), 300 rounds to 288, 2^-9 is the smallest subnormal
    const std::vector<float> wantE4 = {-1.0f, 448.0f, 0.15625f, -0.001953125f, 288.0f, 2.5f};
    const std::vector<uint8_t> wantCodes = {0xB8, 0x7E, 0x22, 0x81, 0x79, 0x42};
    auto gotE4 = download(back, 6);
    Check("copy_ float32 (host) -> float8_e4m3fn (cuda) -> float32 (cuda)",
          rc3 == 0 && rc4 == 0 && gotE4 == wantE4 && codes == wantCodes, Str(gotE4) + " codes " + Str(codes));
    for (H t : {tr, half, hb, e4, back, src}) del(t);
  }
  {  // 2- and 8-byte elements, 3 dims
    std::vector<uint16_t> h16(2 * 3 * 4);
    for (size_t i = 0; i < h16.size(); i++) h16[i] = static_cast<uint16_t>(i);
    int64_t s3[3] = {2, 3, 4}, c3[3] = {12, 4, 1}, p3[3] = {1, 2, 6};  // a permuted (dense) layout
    H d = nullptr, perm = nullptr;
    empty(3, s3, c3, bf16, cuda, 0, &d);
    empty(3, s3, p3, bf16, cuda, 0, &perm);
    void* p = nullptr;
    dataPtr(d, &p);
    cudaMemcpy(p, h16.data(), h16.size() * 2, 4);
    int32_t rc = copy(perm, d, 0);
    std::vector<uint16_t> back(h16.size());
    dataPtr(perm, &p);
    cudaMemcpy(back.data(), p, back.size() * 2, 4);
    bool ok = rc == 0;
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++)
        for (int c = 0; c < 4; c++) ok = ok && back[a * 1 + b * 2 + c * 6] == h16[a * 12 + b * 4 + c];
    Check("copy_ bfloat16 into a permuted 3D layout", ok, "path " + std::to_string(path()));
    std::vector<int64_t> h64 = {10, 11, 12, 13, 14, 15};
    int64_t s2[2] = {2, 3}, c2[2] = {3, 1}, t2[2] = {1, 2};
    H l = nullptr, lt = nullptr;
    empty(2, s2, c2, i64, cuda, 0, &l);
    empty(2, s2, t2, i64, cuda, 0, &lt);
    dataPtr(l, &p);
    cudaMemcpy(p, h64.data(), 48, 4);
    rc = copy(lt, l, 0);
    std::vector<int64_t> b64(6);
    dataPtr(lt, &p);
    cudaMemcpy(b64.data(), p, 48, 4);
    Check("copy_ int64 into a transposed layout", rc == 0 && b64 == std::vector<int64_t>({10, 13, 11, 14, 12, 15}),
          Str(b64));
    for (H t : {d, perm, l, lt}) del(t);
  }
  {  // a FLUX-sized strided copy (1024 x 3072 bf16 transposed): time it
    int64_t s[2] = {3072, 1024}, c[2] = {1024, 1}, t[2] = {1, 3072};
    H a = nullptr, b = nullptr;
    empty(2, s, t, bf16, cuda, 0, &a);
    empty(2, s, c, bf16, cuda, 0, &b);
    copy(b, a, 0);  // warm
    auto started = std::chrono::steady_clock::now();
    int32_t rc = copy(b, a, 0);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    Check("copy_ of a 1024x3072 bf16 transpose", rc == 0, std::to_string(ms) + " ms, path " + std::to_string(path()));
    del(a);
    del(b);
  }
  {  // stream guards: the current stream is the guard's until it is deleted; allocations follow it
    void* stream = nullptr;
    cudaStreamCreate(&stream);
    void *before = reinterpret_cast<void*>(1), *during = nullptr, *after = reinterpret_cast<void*>(1);
    currentStream(0, &before);
    void* guard = nullptr;
    int32_t rc = guardNew(stream, 0, &guard);
    currentStream(0, &during);
    H t = upload(v24, {24});
    H c = nullptr;
    clone(t, &c);
    cudaDeviceSynchronize();
    bool same = download(c, 24) == v24;
    del(t);
    del(c);
    int32_t rc2 = guardDel(guard);
    currentStream(0, &after);
    Check("cuda stream guard", rc == 0 && rc2 == 0 && during == stream && before == nullptr && after == nullptr && same,
          "current stream inside the guard is the guard's; back to the default after");
    Check("a deleted stream guard is refused", guardDel(guard) != 0, "error, no crash");
  }
  {  // a device pointer the caller owns, wrapped (v1 and v2); deleting the handle leaves the memory
    void* mem = nullptr;
    cudaMalloc(&mem, 96);
    cudaMemcpy(mem, v24.data(), 96, 4);
    int64_t sizes[1] = {24}, strides[1] = {1};
    H a = nullptr, b = nullptr, al = nullptr;
    int32_t rc1 = blob(mem, 1, sizes, strides, 0, f32, cuda, 0, &a);
    int32_t rc2 = blob2(mem, 1, sizes, strides, 0, f32, cuda, 0, &b, 0, nullptr, 0);
    alias(a, &al);
    void *pa = nullptr, *pb = nullptr, *pl = nullptr;
    dataPtr(a, &pa);
    dataPtr(b, &pb);
    dataPtr(al, &pl);
    del(a);
    del(b);
    bool kept = download(al, 24) == v24;
    del(al);
    std::vector<float> raw(24);
    cudaMemcpy(raw.data(), mem, 96, 4);
    Check("from_blob / from_blob_v2 / new_tensor_handle on a device pointer",
          rc1 == 0 && rc2 == 0 && pa == mem && pb == mem && pl == mem && kept && raw == v24,
          "same pointer; the caller's memory outlives the handles");
    Check("a deleted handle is refused", del(a) != 0, "error, no crash");
  }
  std::printf("%d failed\n", failures);
  return failures;
}
