// Element conversion between the dtypes the standalone shim knows, on host memory: what a
// cross-dtype aoti_torch_copy_ needs. Values follow c10's conversions (checked against torch by
// test/standalone/shim-functions.test.ts): floats round to nearest even; float16 and float8_e5m2
// overflow to infinity, float8_e4m3fn (no infinity) saturates at +-448 as torch 2.13 does; NaN
// stays NaN (bits may differ from torch's: its CPU kernels write bfloat16 NaN as 0xFFFF, c10 as
// 0x7FC0, this 0x7FC0); floats become integers by truncation toward zero
// through int64 (so -3.7 in uint8 is 253, as torch gives); integers narrow by wrapping; bool is
// "not zero" (NaN is true).
#pragma once
#include <cstdint>

namespace aotihub::shim {

// True when both codes are dtypes ConvertElements handles.
bool CanConvert(int32_t dstType, int32_t srcType);
// Converts `count` densely packed elements of `src` (srcType) into `dst` (dstType). Both codes must
// pass CanConvert; the buffers must not overlap.
void ConvertElements(void* dst, int32_t dstType, const void* src, int32_t srcType, int64_t count);

}  // namespace aotihub::shim
