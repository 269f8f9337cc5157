// Calls every aoti_torch_* function the addon exports (src/shim), through dlsym on the real addon
// file, as a compiled model would, and prints what each returned as one JSON object. The test
// (shim-functions.test.ts) asserts the values; a crash here fails it by exit signal.
#include <dlfcn.h>
#include <immintrin.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using H = void*;
static void* lib;
static std::map<std::string, std::string> out;

template <typename F>
F Sym(const char* name) {
  void* p = dlsym(lib, name);
  if (p == nullptr) {
    std::fprintf(stderr, "missing %s\n", name);
    std::exit(3);
  }
  return reinterpret_cast<F>(p);
}
#define FN(NAME, ...) Sym<__VA_ARGS__>(#NAME)
static void Put(const std::string& key, const std::string& value) { out[key] = value; }
static void Put(const std::string& key, int64_t value) { out[key] = std::to_string(value); }
static std::string Vec(const int64_t* v, int64_t n) {
  std::string s = "[";
  for (int64_t i = 0; i < n; i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

using EmptyFn = int32_t (*)(int64_t, const int64_t*, const int64_t*, int32_t, int32_t, int32_t, H*);
using BlobFn = int32_t (*)(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t, int32_t, H*);
using BlobV2Fn = int32_t (*)(void*, int64_t, const int64_t*, const int64_t*, int64_t, int32_t, int32_t, int32_t, H*,
                             int32_t, const uint8_t*, int64_t);
using ReinterpretFn = int32_t (*)(H, int64_t, const int64_t*, const int64_t*, int64_t, H*);
using HH = int32_t (*)(H, H*);
using DelFn = int32_t (*)(H);
using CopyFn = int32_t (*)(H, H, int32_t);
using PtrGet = int32_t (*)(H, void**);
using I64PGet = int32_t (*)(H, int64_t**);
using I64Get = int32_t (*)(H, int64_t*);
using I32Get = int32_t (*)(H, int32_t*);

struct Api {
  EmptyFn empty = FN(aoti_torch_empty_strided, EmptyFn);
  BlobFn blob = FN(aoti_torch_create_tensor_from_blob, BlobFn);
  BlobV2Fn blob2 = FN(aoti_torch_create_tensor_from_blob_v2, BlobV2Fn);
  ReinterpretFn reinterpret = FN(aoti_torch__reinterpret_tensor, ReinterpretFn);
  HH alias = FN(aoti_torch_new_tensor_handle, HH);
  HH clone = FN(aoti_torch_clone, HH);
  HH clonePreserve = FN(aoti_torch_clone_preserve_strides, HH);
  DelFn del = FN(aoti_torch_delete_tensor_object, DelFn);
  CopyFn copy = FN(aoti_torch_copy_, CopyFn);
  PtrGet data = FN(aoti_torch_get_data_ptr, PtrGet);
  I64PGet sizes = FN(aoti_torch_get_sizes, I64PGet);
  I64PGet strides = FN(aoti_torch_get_strides, I64PGet);
  I64Get dim = FN(aoti_torch_get_dim, I64Get);
  I64Get numel = FN(aoti_torch_get_numel, I64Get);
  I64Get offset = FN(aoti_torch_get_storage_offset, I64Get);
  I64Get storageSize = FN(aoti_torch_get_storage_size, I64Get);
  I32Get dtype = FN(aoti_torch_get_dtype, I32Get);
  I32Get deviceType = FN(aoti_torch_get_device_type, I32Get);
  I32Get deviceIndex = FN(aoti_torch_get_device_index, I32Get);
};

// Everything a getter says about a handle, as "key=value" facts under `prefix`.
static void Describe(const Api& a, const std::string& prefix, H t) {
  int64_t dim = -1, numel = -1, offset = -1, storage = -1;
  int64_t *sizes = nullptr, *strides = nullptr;
  int32_t dtype = -1, deviceType = -1, deviceIndex = -2;
  void* data = nullptr;
  Put(prefix + ".rc", a.dim(t, &dim) | a.numel(t, &numel) | a.offset(t, &offset) | a.storageSize(t, &storage) |
                          a.sizes(t, &sizes) | a.strides(t, &strides) | a.dtype(t, &dtype) |
                          a.deviceType(t, &deviceType) | a.deviceIndex(t, &deviceIndex) | a.data(t, &data));
  Put(prefix + ".dim", dim);
  Put(prefix + ".numel", numel);
  Put(prefix + ".offset", offset);
  Put(prefix + ".storageSize", storage);
  Put(prefix + ".sizes", Vec(sizes, dim));
  Put(prefix + ".strides", Vec(strides, dim));
  Put(prefix + ".dtype", dtype);
  Put(prefix + ".deviceType", deviceType);
  Put(prefix + ".deviceIndex", deviceIndex);
  Put(prefix + ".dataNull", data == nullptr);
  Put(prefix + ".align64", reinterpret_cast<uintptr_t>(data) % 64 == 0);
}

static float* F32(const Api& a, H t) {
  void* p = nullptr;
  a.data(t, &p);
  return static_cast<float*>(p);
}

// A unary Sleef function against the C library, lane by lane: within 4 ulp (libmvec's bound; the
// scalar fallback is exact to libm).
template <typename Vec, typename Scalar, int Lanes>
__attribute__((target("avx512f"))) static bool SameAsLibm(const char* name, Scalar (*fn)(Scalar)) {
  auto f = reinterpret_cast<Vec (*)(Vec)>(dlsym(lib, name));
  if (f == nullptr) return false;
  alignas(64) Scalar in[Lanes], got[Lanes];
  for (int i = 0; i < Lanes; i++) in[i] = static_cast<Scalar>(0.37 * (i + 1) - 1.5);
  Vec v;
  std::memcpy(&v, in, sizeof v);
  Vec r = f(v);
  std::memcpy(got, &r, sizeof r);
  for (int i = 0; i < Lanes; i++) {
    const Scalar want = fn(in[i]);
    if (std::isnan(want) && std::isnan(got[i])) continue;
    const Scalar ulp = std::nextafter(std::fabs(want), static_cast<Scalar>(INFINITY)) - std::fabs(want);
    if (!(std::fabs(got[i] - want) <= 4 * ulp)) return false;
  }
  return true;
}

// Every exported Sleef_* name (argv[3] onwards), each against libm's scalar function of the same
// math (`Sleef_<fn><f|d><lanes>_<accuracy>` -> `<fn>f` or `<fn>`): within 4 ulp in every lane, on
// inputs in every function's domain. Returns the names that failed, and how many were checked.
static bool Binary(const std::string& fn) {
  return fn == "atan2" || fn == "copysign" || fn == "fmod" || fn == "hypot" || fn == "nextafter" || fn == "pow";
}

template <typename Scalar>
static bool Close(Scalar got, Scalar want) {
  if (std::isnan(want) && std::isnan(got)) return true;
  const Scalar ulp = std::nextafter(std::fabs(want), static_cast<Scalar>(INFINITY)) - std::fabs(want);
  return std::fabs(got - want) <= 4 * ulp;
}

template <typename Vec, typename Scalar, int Lanes>
__attribute__((target("avx512f"))) static bool CheckOne(void* vector, void* scalar, bool binary, const std::string& fn) {
  alignas(64) Scalar a[Lanes], b[Lanes], got[Lanes];
  for (int i = 0; i < Lanes; i++) {
    // (0.05, 0.95): inside acos/asin/atanh's domain, above acosh's after the shift below
    a[i] = static_cast<Scalar>(0.05 + 0.9 * i / Lanes);
    b[i] = static_cast<Scalar>(0.3 + 0.1 * i);
  }
  if (fn == "acosh")
    for (int i = 0; i < Lanes; i++) a[i] += 1;
  Vec va, vb, r;
  std::memcpy(&va, a, sizeof va);
  std::memcpy(&vb, b, sizeof vb);
  r = binary ? reinterpret_cast<Vec (*)(Vec, Vec)>(vector)(va, vb) : reinterpret_cast<Vec (*)(Vec)>(vector)(va);
  std::memcpy(got, &r, sizeof r);
  for (int i = 0; i < Lanes; i++) {
    const Scalar want = binary ? reinterpret_cast<Scalar (*)(Scalar, Scalar)>(scalar)(a[i], b[i])
                               : reinterpret_cast<Scalar (*)(Scalar)>(scalar)(a[i]);
    if (!Close(got[i], want)) return false;
  }
  return true;
}

// Sleef_sincos*: a pair of vectors, sin in x and cos in y, each against libm's.
template <typename Vec, typename Scalar, int Lanes>
__attribute__((target("avx512f"))) static bool CheckSinCos(void* vector, void* sinFn, void* cosFn) {
  struct Pair {
    Vec x, y;
  };
  alignas(64) Scalar a[Lanes], s[Lanes], c[Lanes];
  for (int i = 0; i < Lanes; i++) a[i] = static_cast<Scalar>(-3.0 + 0.41 * i);
  Vec va;
  std::memcpy(&va, a, sizeof va);
  const Pair r = reinterpret_cast<Pair (*)(Vec)>(vector)(va);
  std::memcpy(s, &r.x, sizeof r.x);
  std::memcpy(c, &r.y, sizeof r.y);
  for (int i = 0; i < Lanes; i++) {
    if (!Close(s[i], reinterpret_cast<Scalar (*)(Scalar)>(sinFn)(a[i]))) return false;
    if (!Close(c[i], reinterpret_cast<Scalar (*)(Scalar)>(cosFn)(a[i]))) return false;
  }
  return true;
}

static void CheckSleef(int argc, char** argv, bool avx512) {
  void* libm = dlopen("libm.so.6", RTLD_NOW);
  std::string failed;
  int checked = 0, skipped = 0;
  for (int k = 3; k < argc; k++) {
    const std::string name = argv[k];
    // Sleef_<fn><f|d><lanes>[_<accuracy>]
    const std::string body = name.substr(6, name.find('_', 6) == std::string::npos ? std::string::npos : name.find('_', 6) - 6);
    size_t cut = body.size();
    while (cut > 0 && std::isdigit(static_cast<unsigned char>(body[cut - 1]))) cut--;
    const int lanes = std::atoi(body.c_str() + cut);
    const bool isFloat = body[cut - 1] == 'f';
    const std::string fn = body.substr(0, cut - 1);
    void* vector = dlsym(lib, name.c_str());
    if (fn == "sincos") {
      const bool wideOne = (isFloat && lanes == 16) || (!isFloat && lanes == 8);
      if (vector == nullptr) {
        failed += name + "(unresolved) ";
        continue;
      }
      if (wideOne && !avx512) {
        skipped++;
        continue;
      }
      void* sinFn = dlsym(libm, isFloat ? "sinf" : "sin");
      void* cosFn = dlsym(libm, isFloat ? "cosf" : "cos");
      bool ok = false;
      if (isFloat && lanes == 8) ok = CheckSinCos<__m256, float, 8>(vector, sinFn, cosFn);
      else if (isFloat && lanes == 16) ok = CheckSinCos<__m512, float, 16>(vector, sinFn, cosFn);
      else if (!isFloat && lanes == 4) ok = CheckSinCos<__m256d, double, 4>(vector, sinFn, cosFn);
      else if (!isFloat && lanes == 8) ok = CheckSinCos<__m512d, double, 8>(vector, sinFn, cosFn);
      checked++;
      if (!ok) failed += name + " ";
      continue;
    }
    void* scalar = dlsym(libm, (fn + (isFloat ? "f" : "")).c_str());
    if (vector == nullptr || scalar == nullptr) {
      failed += name + "(unresolved) ";
      continue;
    }
    const bool wide = (isFloat && lanes == 16) || (!isFloat && lanes == 8);
    if (wide && !avx512) {
      skipped++;
      continue;
    }
    bool ok = false;
    if (isFloat && lanes == 8) ok = CheckOne<__m256, float, 8>(vector, scalar, Binary(fn), fn);
    else if (isFloat && lanes == 16) ok = CheckOne<__m512, float, 16>(vector, scalar, Binary(fn), fn);
    else if (!isFloat && lanes == 4) ok = CheckOne<__m256d, double, 4>(vector, scalar, Binary(fn), fn);
    else if (!isFloat && lanes == 8) ok = CheckOne<__m512d, double, 8>(vector, scalar, Binary(fn), fn);
    else failed += name + "(width) ";
    checked++;
    if (!ok) failed += name + " ";
  }
  Put("sleefAll.checked", checked);
  Put("sleefAll.skipped", skipped);
  Put("sleefAll.failed", failed);
}


// ---- copy_ between dtypes: the inputs and the shim's outputs as hex (little-endian element bytes),
// keyed "convert.<from>><to>"; shim-functions.test.ts converts the same inputs with torch and compares.
static std::string Hex(const void* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    const auto b = static_cast<const uint8_t*>(p)[i];
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}
struct DType {
  const char* name;
  int32_t code;
  size_t size;
};
static const DType kF32{"float32", 6, 4}, kF64{"float64", 7, 8}, kF16{"float16", 5, 2}, kBF16{"bfloat16", 15, 2},
    kE4M3{"float8_e4m3fn", 24, 1}, kE5M2{"float8_e5m2", 23, 1}, kBool{"bool", 11, 1}, kU8{"uint8", 0, 1},
    kI8{"int8", 1, 1}, kI16{"int16", 2, 2}, kI32{"int32", 3, 4}, kI64{"int64", 4, 8};

static void Convert(const Api& a, const DType& from, const DType& to, const void* in, int64_t n) {
  const int64_t one = 1;
  H src = nullptr, dst = nullptr;
  a.empty(1, &n, &one, from.code, 0, 0, &src);
  a.empty(1, &n, &one, to.code, 0, 0, &dst);
  void *ps = nullptr, *pd = nullptr;
  a.data(src, &ps);
  a.data(dst, &pd);
  std::memcpy(ps, in, static_cast<size_t>(n) * from.size);
  const std::string key = std::string("convert.") + from.name + ">" + to.name;
  Put(key + ".rc", a.copy(dst, src, 0));
  Put(key + ".in", Hex(in, static_cast<size_t>(n) * from.size));
  Put(key + ".out", Hex(pd, static_cast<size_t>(n) * to.size));
  a.del(src);
  a.del(dst);
}

static void ProbeConversions(const Api& a) {
  // float32: rounding ties, each format's largest values and overflow, subnormals, inf, NaN, then
  // pseudo-random values over the exponents these formats cover.
  std::vector<float> f32 = {0.0f, -0.0f, 1.0f, -1.0f, 0.1f, -0.3333f, 1.5f, 2.5f, 3.5f, 447.0f, 448.0f, 449.0f,
                            456.0f, 463.9f, 464.0f, 465.0f, 480.0f, -500.0f, 1e4f, 57343.0f, 57344.0f, 61439.0f,
                            61440.0f, 65504.0f, 65519.0f, 65520.0f, 70000.0f, 3.4e38f, -3.4e38f, 1e-3f,
                            std::ldexp(1.0f, -6), std::ldexp(1.0f, -7), std::ldexp(1.0f, -9), std::ldexp(1.0f, -10),
                            std::ldexp(1.5f, -10), std::ldexp(1.0f, -14), std::ldexp(1.0f, -15), std::ldexp(1.0f, -16),
                            std::ldexp(1.0f, -17), 6e-8f, std::ldexp(1.0f, -24), std::ldexp(1.0f, -25),
                            std::ldexp(3.0f, -26), 1e-40f, -1e-45f, 1.00390625f, 1.01171875f, 255.5f, 256.5f, -3.7f,
                            INFINITY, -INFINITY, NAN, -NAN};
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (int i = 0; i < 600; i++) {
    const uint32_t exponent = 127 - 28 + next() % 46;  // 2^-28 .. 2^17
    const uint32_t bits = (next() & 0x80000000u) | exponent << 23 | (next() & 0x7FFFFFu);
    float v;
    std::memcpy(&v, &bits, 4);
    f32.push_back(v);
  }
  const auto n32 = static_cast<int64_t>(f32.size());
  for (const DType& to : {kF16, kBF16, kE4M3, kE5M2, kF64, kBool}) Convert(a, kF32, to, f32.data(), n32);
  // Into integers, from values inside each type's range (torch's own result is undefined outside,
  // except uint8, which c10 takes through int64: -3.7 becomes 253).
  std::vector<float> small = {0.0f, -0.0f, 0.9f, -0.9f, 1.5f, -1.5f, 126.7f, -127.9f, 99.99f, -64.5f};
  for (int i = 0; i < 200; i++) small.push_back(static_cast<float>(static_cast<int>(next() % 25400) - 12700) / 100.0f);
  Convert(a, kF32, kI8, small.data(), static_cast<int64_t>(small.size()));
  std::vector<float> bytes = {0.0f, 0.9f, 254.99f, 255.0f, 128.5f, -3.7f, -0.5f};
  Convert(a, kF32, kU8, bytes.data(), static_cast<int64_t>(bytes.size()));
  std::vector<float> wide = {0.0f, -32768.0f, 32767.9f, 1e9f, -2.1e9f, 8e18f, -9e18f, 16777217.0f, -0.99f};
  Convert(a, kF32, kI16, wide.data(), 3);
  Convert(a, kF32, kI32, wide.data(), 5);
  Convert(a, kF32, kI64, wide.data(), static_cast<int64_t>(wide.size()));
  // int64: exact past float's 24 bits, the extremes, wrapping into narrower integers.
  std::vector<int64_t> i64 = {0, 1, -1, 255, 256, -129, 449, 65520, 16777217, (int64_t{1} << 53) + 1,
                              -(int64_t{1} << 62) + 12345, INT64_MAX, INT64_MIN, 123456789012345};
  for (const DType& to : {kF32, kF64, kF16, kBF16, kE4M3, kE5M2, kBool, kI32, kU8, kI8})
    Convert(a, kI64, to, i64.data(), static_cast<int64_t>(i64.size()));
  // float64 narrows through float32 first, as c10 does (double rounding is torch's too).
  std::vector<double> f64 = {1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40), 1.0 + std::ldexp(1.0, -11) + 1e-12,
                             0.1, -1e300, 1e-300, 3.4028235677973366e38, 65519.999999, 449.0000001, NAN, -INFINITY};
  for (const DType& to : {kF32, kF16, kBF16, kE4M3, kE5M2, kI32, kBool})
    Convert(a, kF64, to, f64.data(), static_cast<int64_t>(f64.size()));
  // Every 8-bit code, and every 7th 16-bit code, back into wider types (NaN and inf codes included).
  std::vector<uint8_t> all8(256);
  for (int i = 0; i < 256; i++) all8[i] = static_cast<uint8_t>(i);
  for (const DType& from : {kE4M3, kE5M2})
    for (const DType& to : {kF32, kBF16, kF16, kF64, kI32, kBool}) Convert(a, from, to, all8.data(), 256);
  Convert(a, kE4M3, kE5M2, all8.data(), 256);
  Convert(a, kE5M2, kE4M3, all8.data(), 256);
  std::vector<uint8_t> bools = {0, 1, 1, 0};
  for (const DType& to : {kF32, kBF16, kI64, kE4M3}) Convert(a, kBool, to, bools.data(), 4);
  std::vector<uint16_t> codes16;
  for (uint32_t c = 0; c < 65536; c += 7) codes16.push_back(static_cast<uint16_t>(c));
  const auto n16 = static_cast<int64_t>(codes16.size());
  for (const DType& from : {kF16, kBF16})
    for (const DType& to : {kF32, kE4M3, kE5M2}) Convert(a, from, to, codes16.data(), n16);
  Convert(a, kF16, kBF16, codes16.data(), n16);
  Convert(a, kBF16, kF16, codes16.data(), n16);

  // A strided source into a strided destination: the transposed view of a 2x3 float32 tensor into
  // the transposed view of a 2x3 bfloat16 tensor (values exact in bfloat16).
  const int64_t s23[] = {2, 3}, st23[] = {3, 1}, s32[] = {3, 2}, st32t[] = {1, 3};
  H base = nullptr, half = nullptr, srcT = nullptr, dstT = nullptr;
  a.empty(2, s23, st23, kF32.code, 0, 0, &base);
  a.empty(2, s23, st23, kBF16.code, 0, 0, &half);
  for (int i = 0; i < 6; i++) F32(a, base)[i] = 0.5f * static_cast<float>(i) - 1.0f;
  a.reinterpret(base, 2, s32, st32t, 0, &srcT);
  a.reinterpret(half, 2, s32, st32t, 0, &dstT);
  Put("convertStrided.rc", a.copy(dstT, srcT, 0));
  void* ph = nullptr;
  a.data(half, &ph);
  std::string values;
  for (int i = 0; i < 6; i++) {
    uint16_t b;
    std::memcpy(&b, static_cast<uint8_t*>(ph) + 2 * i, 2);
    const uint32_t wideBits = static_cast<uint32_t>(b) << 16;
    float v;
    std::memcpy(&v, &wideBits, 4);
    values += (i ? "," : "") + std::to_string(v).substr(0, 5);
  }
  Put("convertStrided.values", values);
  for (H t : {srcT, dstT, base, half}) a.del(t);
}

int main(int argc, char** argv) {
  // RTLD_LAZY: the addon's Node-API imports stay unresolved; only the shim is called here.
  lib = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "%s\n", dlerror());
    return 2;
  }
  const bool avx512 = argc > 2 && std::strcmp(argv[2], "avx512") == 0;
  Api a;
  const char* codes[] = {"aoti_torch_dtype_uint8",        "aoti_torch_dtype_int8",      "aoti_torch_dtype_int16",
                         "aoti_torch_dtype_int32",        "aoti_torch_dtype_int64",     "aoti_torch_dtype_float16",
                         "aoti_torch_dtype_float32",      "aoti_torch_dtype_float64",   "aoti_torch_dtype_bool",
                         "aoti_torch_dtype_bfloat16",     "aoti_torch_dtype_float8_e5m2",
                         "aoti_torch_dtype_float8_e4m3fn", "aoti_torch_device_type_cpu", "aoti_torch_device_type_cuda",
                         "aoti_torch_layout_strided"};
  for (const char* name : codes) Put(std::string("code.") + name, Sym<int32_t (*)()>(name)());

  const int64_t s23[] = {2, 3}, st23[] = {3, 1};
  H t = nullptr;
  Put("empty.rc", a.empty(2, s23, st23, 6, 0, 0, &t));
  Describe(a, "empty", t);
  const int64_t s05[] = {0, 5}, st05[] = {5, 1};
  H zero = nullptr;
  Put("zero.rc", a.empty(2, s05, st05, 6, 0, 0, &zero));
  Describe(a, "zero", zero);
  H bad = nullptr;
  Put("emptyBadDtype.rc", a.empty(2, s23, st23, 99, 0, 0, &bad));
  const int64_t neg[] = {-1, 3};
  Put("emptyNegative.rc", a.empty(2, neg, st23, 6, 0, 0, &bad));
  Put("emptyNullOut.rc", a.empty(2, s23, st23, 6, 0, 0, nullptr));
  Put("emptyCudaNoRuntime.rc", a.empty(2, s23, st23, 6, 1, 0, &bad));
  Put("emptyBadDevice.rc", a.empty(2, s23, st23, 6, 7, 0, &bad));
  Put("badOut.null", bad == nullptr);

  // from_blob with a storage offset: the data pointer is base + offset, the storage spans the offset.
  alignas(64) float buffer[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const int64_t s22[] = {2, 2}, st22[] = {2, 1};
  H blob = nullptr;
  Put("blob.rc", a.blob(buffer, 2, s22, st22, 2, 6, 0, 0, &blob));
  Describe(a, "blob", blob);
  Put("blob.dataIsBasePlusOffset", F32(a, blob) == buffer + 2);
  H blobAlloc = nullptr;
  Put("blobNull.rc", a.blob(nullptr, 2, s22, st22, 0, 6, 0, 0, &blobAlloc));
  Put("blobNull.dataNull", F32(a, blobAlloc) == nullptr);
  H blob2 = nullptr;
  Put("blobV2.rc", a.blob2(buffer, 2, s22, st22, 0, 6, 0, 0, &blob2, 0, nullptr, 0));
  Put("blobV2.sameData", F32(a, blob2) == buffer);
  Put("blobV2Mkldnn.rc", a.blob2(buffer, 2, s22, st22, 0, 6, 0, 0, &bad, 1, nullptr, 0));

  // new_tensor_handle and _reinterpret_tensor share the storage; it lives until the last handle goes.
  H base = nullptr;
  const int64_t s6[] = {6}, st6[] = {1};
  a.empty(1, s6, st6, 6, 0, 0, &base);
  for (int i = 0; i < 6; i++) F32(a, base)[i] = static_cast<float>(10 + i);
  H alias = nullptr;
  Put("alias.rc", a.alias(base, &alias));
  Put("alias.sameData", F32(a, alias) == F32(a, base));
  const int64_t s2[] = {2}, st1[] = {1};
  H view = nullptr;
  Put("reinterpret.rc", a.reinterpret(base, 1, s2, st1, 3, &view));
  Describe(a, "reinterpret", view);
  Put("reinterpret.first", static_cast<int64_t>(F32(a, view)[0]));
  H view2 = nullptr;
  Put("reinterpretOfView.rc", a.reinterpret(view, 1, s2, st1, 1, &view2));
  int64_t off2 = -1;
  a.offset(view2, &off2);
  Put("reinterpretOfView.offset", off2);
  Put("reinterpretPastEnd.rc", a.reinterpret(base, 1, s2, st1, 5, &bad));
  Put("deleteBase.rc", a.del(base));
  Put("aliasAfterBaseDeleted.value", static_cast<int64_t>(F32(a, alias)[5]));
  Put("viewAfterBaseDeleted.value", static_cast<int64_t>(F32(a, view2)[1]));

  // clone keeps a dense permuted layout, makes a gapped one contiguous; clone_preserve_strides keeps it.
  H m = nullptr;
  const int64_t s32[] = {3, 2}, st32[] = {2, 1};
  a.empty(2, s32, st32, 6, 0, 0, &m);
  for (int i = 0; i < 6; i++) F32(a, m)[i] = static_cast<float>(i);
  const int64_t tSizes[] = {2, 3}, tStrides[] = {1, 2};
  H transposed = nullptr;
  a.reinterpret(m, 2, tSizes, tStrides, 0, &transposed);
  H c1 = nullptr;
  Put("cloneTransposed.rc", a.clone(transposed, &c1));
  Describe(a, "cloneTransposed", c1);
  const int64_t gapSizes[] = {3}, gapStrides[] = {2};
  H gapped = nullptr;
  a.reinterpret(m, 1, gapSizes, gapStrides, 0, &gapped);
  H c2 = nullptr, c3 = nullptr;
  Put("cloneGapped.rc", a.clone(gapped, &c2));
  Describe(a, "cloneGapped", c2);
  Put("cloneGapped.values", std::to_string(F32(a, c2)[0]) + "," + std::to_string(F32(a, c2)[1]) + "," +
                                std::to_string(F32(a, c2)[2]));
  Put("clonePreserve.rc", a.clonePreserve(gapped, &c3));
  Describe(a, "clonePreserve", c3);
  Put("clonePreserve.third", static_cast<int64_t>(F32(a, c3)[4]));

  // copy_ into a transposed destination writes through its strides.
  H dst = nullptr;
  a.empty(2, s32, st32, 6, 0, 0, &dst);
  H dstT = nullptr;
  a.reinterpret(dst, 2, tSizes, tStrides, 0, &dstT);
  H src = nullptr;
  a.empty(2, tSizes, st23, 6, 0, 0, &src);
  for (int i = 0; i < 6; i++) F32(a, src)[i] = static_cast<float>(100 + i);
  Put("copy.rc", a.copy(dstT, src, 0));
  std::string copied;
  for (int i = 0; i < 6; i++) copied += (i ? "," : "") + std::to_string(static_cast<int>(F32(a, dst)[i]));
  Put("copy.values", copied);
  Put("copyShapeMismatch.rc", a.copy(m, src, 0));
  H i64 = nullptr;
  a.empty(2, tSizes, st23, 4, 0, 0, &i64);
  // Between dtypes: converted on the host (float32 100..105 into int64).
  Put("copyDtype.rc", a.copy(i64, src, 0));
  std::string converted;
  for (int i = 0; i < 6; i++) converted += (i ? "," : "") + std::to_string(reinterpret_cast<int64_t*>(F32(a, i64))[i]);
  Put("copyDtype.values", converted);
  ProbeConversions(a);
  H zero2 = nullptr;
  a.empty(2, s05, st05, 6, 0, 0, &zero2);
  Put("copyZeroSize.rc", a.copy(zero2, zero, 0));
  H zclone = nullptr;
  Put("cloneZeroSize.rc", a.clone(zero, &zclone));

  // Bad handles: null, a pointer that was never a handle, and a deleted one. All refused, none crash.
  H deleted = nullptr;
  a.empty(2, s23, st23, 6, 0, 0, &deleted);
  Put("deleteOnce.rc", a.del(deleted));
  Put("deleteTwice.rc", a.del(deleted));
  int stackThing = 0;
  H foreign = &stackThing;
  int64_t bad64 = 0;
  int64_t* badPtr = nullptr;
  int32_t bad32 = 0;
  void* badData = nullptr;
  H badOut = nullptr;
  int failures = 0, calls = 0;
  for (H h : {static_cast<H>(nullptr), foreign, deleted}) {
    const int32_t rcs[] = {a.dim(h, &bad64), a.numel(h, &bad64), a.offset(h, &bad64), a.storageSize(h, &bad64),
                           a.sizes(h, &badPtr), a.strides(h, &badPtr), a.dtype(h, &bad32), a.deviceType(h, &bad32),
                           a.deviceIndex(h, &bad32), a.data(h, &badData), a.alias(h, &badOut), a.clone(h, &badOut),
                           a.clonePreserve(h, &badOut), a.reinterpret(h, 1, s2, st1, 0, &badOut), a.copy(h, m, 0),
                           a.copy(m, h, 0), a.del(h)};
    for (int32_t rc : rcs) {
      calls++;
      failures += rc == 1;
    }
  }
  Put("badHandles.calls", calls);
  Put("badHandles.refused", failures);
  Put("getterNullOut.rc", a.dim(m, nullptr));

  // Grad mode is per thread, enabled by default (c10::GradMode).
  auto isEnabled = FN(aoti_torch_grad_mode_is_enabled, bool (*)());
  auto setEnabled = FN(aoti_torch_grad_mode_set_enabled, void (*)(bool));
  Put("grad.default", isEnabled());
  setEnabled(false);
  Put("grad.afterDisable", isEnabled());
  bool other = false;
  std::thread([&] { other = isEnabled(); }).join();
  Put("grad.otherThread", other);
  setEnabled(true);

  auto warn = FN(aoti_torch_warn, void (*)(const char*, const char*, uint32_t, const char*));
  warn("probe_func", "probe.cc", 42, "probe warning text");
  auto check = FN(aoti_torch_check, void (*)(bool, const char*, const char*, uint32_t, const char*));
  check(true, "f", "file", 1, "never");
  try {
    check(false, "probe_func", "probe.cc", 7, "probe check text");
    Put("check.threw", "no");
  } catch (const std::exception& e) {
    Put("check.threw", e.what());
  }

  // Streams: no CUDA runtime is loaded in this process, so guards are refused; the current stream
  // of a device nobody set is the default (null) stream.
  auto createGuard = FN(aoti_torch_create_cuda_stream_guard, int32_t (*)(void*, int32_t, void**));
  auto deleteGuard = FN(aoti_torch_delete_cuda_stream_guard, int32_t (*)(void*));
  auto currentStream = FN(aoti_torch_get_current_cuda_stream, int32_t (*)(int32_t, void**));
  void* guard = nullptr;
  Put("guardNoRuntime.rc", createGuard(reinterpret_cast<void*>(0x1234), 0, &guard));
  Put("guardBogusDelete.rc", deleteGuard(&stackThing));
  Put("guardNullDelete.rc", deleteGuard(nullptr));
  void* stream = reinterpret_cast<void*>(1);
  Put("currentStream.rc", currentStream(0, &stream));
  Put("currentStream.null", stream == nullptr);

  // Sleef stand-ins: lane for lane what the C library computes.
  if (avx512) {
    Put("sleef.expf16", SameAsLibm<__m512, float, 16>("Sleef_expf16_u10", std::exp));
    Put("sleef.tanhf16", SameAsLibm<__m512, float, 16>("Sleef_tanhf16_u10", std::tanh));
    Put("sleef.cosf16_u35", SameAsLibm<__m512, float, 16>("Sleef_cosf16_u35", std::cos));
    Put("sleef.logd8", SameAsLibm<__m512d, double, 8>("Sleef_logd8_u10", std::log));
  }
  Put("sleef.expf8", SameAsLibm<__m256, float, 8>("Sleef_expf8_u10", std::exp));
  Put("sleef.sinf8_u35", SameAsLibm<__m256, float, 8>("Sleef_sinf8_u35", std::sin));
  Put("sleef.erfd4", SameAsLibm<__m256d, double, 4>("Sleef_erfd4_u10", std::erf));

  CheckSleef(argc, argv, avx512);

  std::string json = "{";
  for (const auto& [k, v] : out) json += (json.size() > 1 ? "," : "") + std::string("\"") + k + "\":\"" + v + "\"";
  std::printf("%s}\n", json.c_str());
  return 0;
}
