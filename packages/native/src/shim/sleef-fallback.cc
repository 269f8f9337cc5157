// The Sleef_* vector math functions ATen's vector headers call (at::vec, AVX2 and AVX512 widths).
// libtorch_cpu carries Sleef; a model compiled without libtorch leaves them undefined. Here each
// lane is computed with the C library's function of the same name: as accurate as Sleef's bound
// (libm's float functions are within 1-2 ulp) but not bit-identical to it, and slower than Sleef's
// vector code. Only those in this file are provided (Sleef_sincos*, returning pairs, is not).
#include <immintrin.h>

#include <cmath>

#define SLEEF_EXPORT extern "C" __attribute__((visibility("default")))

#define UNARY(NAME, TARGET, VEC, LANES, SCALAR, STORE, LOAD, FN)                 \
  SLEEF_EXPORT __attribute__((target(TARGET))) VEC NAME(VEC x) {                  \
    alignas(64) SCALAR v[LANES];                                                   \
    STORE(v, x);                                                                   \
    for (int i = 0; i < (LANES); i++) v[i] = FN(v[i]);                             \
    return LOAD(v);                                                                \
  }
#define BINARY(NAME, TARGET, VEC, LANES, SCALAR, STORE, LOAD, FN)                \
  SLEEF_EXPORT __attribute__((target(TARGET))) VEC NAME(VEC x, VEC y) {           \
    alignas(64) SCALAR a[LANES];                                                   \
    alignas(64) SCALAR b[LANES];                                                   \
    STORE(a, x);                                                                   \
    STORE(b, y);                                                                   \
    for (int i = 0; i < (LANES); i++) a[i] = FN(a[i], b[i]);                       \
    return LOAD(a);                                                                \
  }

// One function at the four x86 widths: f8 (AVX2 float), d4 (AVX2 double), f16, d8 (AVX512).
#define UNARY_ALL(FN, SUFFIX)                                                                              \
  UNARY(Sleef_##FN##f8##SUFFIX, "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::FN)          \
  UNARY(Sleef_##FN##d4##SUFFIX, "avx2", __m256d, 4, double, _mm256_store_pd, _mm256_load_pd, std::FN)        \
  UNARY(Sleef_##FN##f16##SUFFIX, "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::FN)     \
  UNARY(Sleef_##FN##d8##SUFFIX, "avx512f", __m512d, 8, double, _mm512_store_pd, _mm512_load_pd, std::FN)
#define BINARY_ALL(FN, SUFFIX)                                                                             \
  BINARY(Sleef_##FN##f8##SUFFIX, "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::FN)         \
  BINARY(Sleef_##FN##d4##SUFFIX, "avx2", __m256d, 4, double, _mm256_store_pd, _mm256_load_pd, std::FN)       \
  BINARY(Sleef_##FN##f16##SUFFIX, "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::FN)    \
  BINARY(Sleef_##FN##d8##SUFFIX, "avx512f", __m512d, 8, double, _mm512_store_pd, _mm512_load_pd, std::FN)

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
UNARY(Sleef_cosf8_u35, "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::cos)
UNARY(Sleef_sinf8_u35, "avx2", __m256, 8, float, _mm256_store_ps, _mm256_load_ps, std::sin)
UNARY(Sleef_cosf16_u35, "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::cos)
UNARY(Sleef_sinf16_u35, "avx512f", __m512, 16, float, _mm512_store_ps, _mm512_load_ps, std::sin)

BINARY_ALL(atan2, _u10)
BINARY_ALL(copysign, )
BINARY_ALL(fmod, )
BINARY_ALL(hypot, _u05)
BINARY_ALL(nextafter, )
BINARY_ALL(pow, _u10)
