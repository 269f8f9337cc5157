// The Sleef_* vector math functions ATen's vector headers call (at::vec, AVX2 and AVX512 widths).
// libtorch_cpu carries Sleef; a model compiled without libtorch leaves them undefined. Each one here
// calls glibc's vector math library (libmvec, dlopened once; within 4 ulp, Sleef's u10 functions are
// within 1) where it has the function, else the C library's scalar function lane by lane. Results
// are within float rounding of Sleef's, not bit-identical. Sleef_sincos* (a pair: sin in x, cos in y) is
// built from the sin and cos stand-ins; ATen's headers of torch 2.13 name it only in comments.
#include <dlfcn.h>
#include <immintrin.h>

#include <cmath>

namespace {

// libmvec's vector variant of a function, by its vector-ABI name (_ZGV<isa>N<lanes><args>_<name>),
// or null where this glibc has none (libmvec came with glibc 2.22; tanhf and most others with 2.35).
void* VectorMath(const char* name) {
  static void* lib = ::dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
  return lib == nullptr ? nullptr : ::dlsym(lib, name);
}

}  // namespace

#define SLEEF_EXPORT extern "C" __attribute__((visibility("default")))

#define UNARY(NAME, MVEC, TARGET, VEC, LANES, SCALAR, STORE, LOAD, FN)              \
  SLEEF_EXPORT __attribute__((target(TARGET))) VEC NAME(VEC x) {                     \
    static const auto vec = reinterpret_cast<VEC (*)(VEC)>(VectorMath(MVEC));         \
    if (vec != nullptr) return vec(x);                                                \
    alignas(64) SCALAR v[LANES];                                                      \
    STORE(v, x);                                                                      \
    for (int i = 0; i < (LANES); i++) v[i] = FN(v[i]);                                \
    return LOAD(v);                                                                   \
  }
#define BINARY(NAME, MVEC, TARGET, VEC, LANES, SCALAR, STORE, LOAD, FN)             \
  SLEEF_EXPORT __attribute__((target(TARGET))) VEC NAME(VEC x, VEC y) {              \
    static const auto vec = reinterpret_cast<VEC (*)(VEC, VEC)>(VectorMath(MVEC));    \
    if (vec != nullptr) return vec(x, y);                                             \
    alignas(64) SCALAR a[LANES];                                                      \
    alignas(64) SCALAR b[LANES];                                                      \
    STORE(a, x);                                                                      \
    STORE(b, y);                                                                      \
    for (int i = 0; i < (LANES); i++) a[i] = FN(a[i], b[i]);                          \
    return LOAD(a);                                                                   \
  }

// One function at the four x86 widths: f8 (AVX2 float), d4 (AVX2 double), f16, d8 (AVX512).
#define UNARY_ALL(FN, SUFFIX)                                                                                       \
  UNARY(Sleef_##FN##f8##SUFFIX, "_ZGVdN8v_" #FN "f", "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps,       \
        std::FN)                                                                                                      \
  UNARY(Sleef_##FN##d4##SUFFIX, "_ZGVdN4v_" #FN, "avx2", __m256d, 4, double, _mm256_store_pd, _mm256_load_pd,         \
        std::FN)                                                                                                      \
  UNARY(Sleef_##FN##f16##SUFFIX, "_ZGVeN16v_" #FN "f", "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, \
        std::FN)                                                                                                      \
  UNARY(Sleef_##FN##d8##SUFFIX, "_ZGVeN8v_" #FN, "avx512f", __m512d, 8, double, _mm512_store_pd, _mm512_load_pd,      \
        std::FN)
#define BINARY_ALL(FN, SUFFIX)                                                                                       \
  BINARY(Sleef_##FN##f8##SUFFIX, "_ZGVdN8vv_" #FN "f", "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps,      \
         std::FN)                                                                                                      \
  BINARY(Sleef_##FN##d4##SUFFIX, "_ZGVdN4vv_" #FN, "avx2", __m256d, 4, double, _mm256_store_pd, _mm256_load_pd,        \
         std::FN)                                                                                                      \
  BINARY(Sleef_##FN##f16##SUFFIX, "_ZGVeN16vv_" #FN "f", "avx512f", __m512, 16, float, _mm512_store_ps,                \
         _mm512_load_ps, std::FN)                                                                                      \
  BINARY(Sleef_##FN##d8##SUFFIX, "_ZGVeN8vv_" #FN, "avx512f", __m512d, 8, double, _mm512_store_pd, _mm512_load_pd,     \
         std::FN)

UNARY_ALL(acos, _u10)
UNARY_ALL(acosh, _u10)
UNARY_ALL(asin, _u10)
UNARY_ALL(asinh, _u10)
UNARY_ALL(atan, _u10)
UNARY_ALL(atanh, _u10)
UNARY_ALL(cos, _u10)
UNARY_ALL(cosh, _u10)
UNARY_ALL(erf, _u10)
UNARY_ALL(erfc, _u15)
UNARY_ALL(exp, _u10)
UNARY_ALL(exp2, _u10)
UNARY_ALL(expm1, _u10)
UNARY_ALL(lgamma, _u10)
UNARY_ALL(log, _u10)
UNARY_ALL(log10, _u10)
UNARY_ALL(log1p, _u10)
UNARY_ALL(log2, _u10)
UNARY_ALL(sin, _u10)
UNARY_ALL(sinh, _u10)
UNARY_ALL(tan, _u10)
UNARY_ALL(tanh, _u10)
// The faster, less exact variants ATen uses for float sin/cos.
UNARY(Sleef_cosf8_u35, "_ZGVdN8v_cosf", "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::cos)
UNARY(Sleef_sinf8_u35, "_ZGVdN8v_sinf", "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::sin)
UNARY(Sleef_cosf16_u35, "_ZGVeN16v_cosf", "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::cos)
UNARY(Sleef_sinf16_u35, "_ZGVeN16v_sinf", "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::sin)

BINARY_ALL(atan2, _u10)
BINARY_ALL(copysign, )
BINARY_ALL(fmod, )
BINARY_ALL(hypot, _u05)
BINARY_ALL(nextafter, )
BINARY_ALL(pow, _u10)

// sin and cos of every lane as Sleef's pair (x: sin, y: cos), from the stand-ins above. Sleef's
// u35 double variants use the u10 functions here (more exact than asked).
#define SINCOS(NAME, TARGET, VEC, SIN, COS)                                                 \
  struct NAME##_pair {                                                                     \
    VEC x, y;                                                                              \
  };                                                                                       \
  SLEEF_EXPORT __attribute__((target(TARGET))) NAME##_pair NAME(VEC v) { return {SIN(v), COS(v)}; }
SINCOS(Sleef_sincosf8_u10, "avx2", __m256, Sleef_sinf8_u10, Sleef_cosf8_u10)
SINCOS(Sleef_sincosf8_u35, "avx2", __m256, Sleef_sinf8_u35, Sleef_cosf8_u35)
SINCOS(Sleef_sincosd4_u10, "avx2", __m256d, Sleef_sind4_u10, Sleef_cosd4_u10)
SINCOS(Sleef_sincosd4_u35, "avx2", __m256d, Sleef_sind4_u10, Sleef_cosd4_u10)
SINCOS(Sleef_sincosf16_u10, "avx512f", __m512, Sleef_sinf16_u10, Sleef_cosf16_u10)
SINCOS(Sleef_sincosf16_u35, "avx512f", __m512, Sleef_sinf16_u35, Sleef_cosf16_u35)
SINCOS(Sleef_sincosd8_u10, "avx512f", __m512d, Sleef_sind8_u10, Sleef_cosd8_u10)
SINCOS(Sleef_sincosd8_u35, "avx512f", __m512d, Sleef_sind8_u10, Sleef_cosd8_u10)
