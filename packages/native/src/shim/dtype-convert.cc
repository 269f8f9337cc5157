#include "dtype-convert.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "shim-tensor.h"

namespace aotihub::shim {
namespace {

// A small IEEE-like float format: sign, expBits, manBits. e4m3fn has no infinity: its all-ones
// exponent holds normal values except the all-ones mantissa, which is NaN.
struct MiniFloat {
  int expBits;
  int manBits;
  bool finiteOnly;  // float8_e4m3fn
  uint32_t nanBits;
  bool nanKeepsSign;
};
constexpr MiniFloat kHalf{5, 10, false, 0x7E00, true};
constexpr MiniFloat kBFloat16{8, 7, false, 0x7FC0, false};
constexpr MiniFloat kE4M3FN{4, 3, true, 0x7F, true};
constexpr MiniFloat kE5M2{5, 2, false, 0x7F, true};

int Bias(const MiniFloat& f) { return (1 << (f.expBits - 1)) - 1; }

double MaxFinite(const MiniFloat& f) {
  const int maxExp = f.finiteOnly ? (1 << f.expBits) - 1 : (1 << f.expBits) - 2;
  const int topMantissa = f.finiteOnly ? (1 << f.manBits) - 2 : (1 << f.manBits) - 1;
  return std::ldexp(1.0 + std::ldexp(topMantissa, -f.manBits), maxExp - Bias(f));
}

double Decode(uint32_t bits, const MiniFloat& f) {
  const uint32_t sign = bits >> (f.expBits + f.manBits) & 1;
  const uint32_t exponent = bits >> f.manBits & ((1u << f.expBits) - 1);
  const uint32_t mantissa = bits & ((1u << f.manBits) - 1);
  const uint32_t expAllOnes = (1u << f.expBits) - 1;
  double value;
  if (f.finiteOnly && exponent == expAllOnes && mantissa == (1u << f.manBits) - 1) {
    value = std::numeric_limits<double>::quiet_NaN();
  } else if (!f.finiteOnly && exponent == expAllOnes) {
    value = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (exponent == 0) {
    value = std::ldexp(static_cast<double>(mantissa), 1 - Bias(f) - f.manBits);
  } else {
    value = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), -f.manBits), static_cast<int>(exponent) - Bias(f));
  }
  return sign ? -value : value;
}

// c10 converts to these formats from float32, so a double is first rounded to float (as torch
// does for float64 sources) and the float then rounded to the format, to nearest even. Past the
// largest finite value: infinity, or for e4m3fn (which has none) the largest finite value with the
// sign, as torch 2.13's c10 saturates (older releases gave NaN from 464 up).
uint32_t Encode(float input, const MiniFloat& f) {
  const uint32_t signBit = 1u << (f.expBits + f.manBits);
  const bool negative = std::signbit(input);
  if (std::isnan(input)) return f.nanBits | (f.nanKeepsSign && negative ? signBit : 0);
  const uint32_t sign = negative ? signBit : 0;
  const double a = std::fabs(static_cast<double>(input));
  const uint32_t overflow = f.finiteOnly ? f.nanBits - 1 : ((1u << f.expBits) - 1) << f.manBits;
  if (std::isinf(a)) return sign | overflow;
  if (a == 0) return sign;
  const int minNormalExp = 1 - Bias(f);
  int e = std::ilogb(a);
  if (e < minNormalExp) e = minNormalExp;
  const double quantum = std::ldexp(1.0, e - f.manBits);
  const double steps = std::nearbyint(a / quantum);  // the default rounding mode: to nearest, ties to even
  const double rounded = steps * quantum;
  if (rounded > MaxFinite(f)) return sign | overflow;
  if (rounded < std::ldexp(1.0, minNormalExp)) return sign | static_cast<uint32_t>(steps);  // subnormal (or 0)
  const int exponent = std::ilogb(rounded);
  const auto mantissa = static_cast<uint32_t>(std::ldexp(rounded, f.manBits - exponent)) & ((1u << f.manBits) - 1);
  return sign | static_cast<uint32_t>(exponent + Bias(f)) << f.manBits | mantissa;
}

// One element as read: integers (and bool) exactly as int64, floats exactly as double.
struct Value {
  bool integral;
  int64_t i;
  double d;
};

template <typename T>
T Load(const void* base, int64_t k) {
  T v;
  std::memcpy(&v, static_cast<const char*>(base) + k * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}
template <typename T>
void Store(void* base, int64_t k, T v) {
  std::memcpy(static_cast<char*>(base) + k * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
}

Value Read(const void* src, int32_t type, int64_t k) {
  switch (type) {
    case code::kUInt8: return {true, Load<uint8_t>(src, k), 0};
    case code::kInt8: return {true, Load<int8_t>(src, k), 0};
    case code::kInt16: return {true, Load<int16_t>(src, k), 0};
    case code::kInt32: return {true, Load<int32_t>(src, k), 0};
    case code::kInt64: return {true, Load<int64_t>(src, k), 0};
    case code::kBool: return {true, Load<uint8_t>(src, k) != 0, 0};
    case code::kFloat32: return {false, 0, Load<float>(src, k)};
    case code::kFloat64: return {false, 0, Load<double>(src, k)};
    case code::kFloat16: return {false, 0, Decode(Load<uint16_t>(src, k), kHalf)};
    case code::kBFloat16: return {false, 0, Decode(Load<uint16_t>(src, k), kBFloat16)};
    case code::kFloat8E4M3FN: return {false, 0, Decode(Load<uint8_t>(src, k), kE4M3FN)};
    case code::kFloat8E5M2: return {false, 0, Decode(Load<uint8_t>(src, k), kE5M2)};
    default: return {true, 0, 0};
  }
}

// Truncation toward zero, as a C++ cast; where that is undefined (NaN, out of range) what x86's
// cvtt* instructions give, the most negative value of the width converted to, which is what torch
// computes on the machines we run: int64 and uint8 (c10 takes uint8 through int64) from a 64-bit
// conversion, int32, int16 and int8 from a 32-bit one, the narrower two keeping its low bits.
int64_t Truncate64(double d) {
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}
int32_t Truncate32(double d) {
  if (!(d > -2147483649.0 && d < 2147483648.0)) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

float AsFloat(const Value& v) { return v.integral ? static_cast<float>(v.i) : static_cast<float>(v.d); }

void Write(void* dst, int32_t type, int64_t k, const Value& v) {
  const int64_t wide = v.integral ? v.i : Truncate64(v.d);
  const int64_t narrow = v.integral ? v.i : Truncate32(v.d);
  switch (type) {
    case code::kUInt8: return Store<uint8_t>(dst, k, static_cast<uint8_t>(wide));
    case code::kInt8: return Store<int8_t>(dst, k, static_cast<int8_t>(narrow));
    case code::kInt16: return Store<int16_t>(dst, k, static_cast<int16_t>(narrow));
    case code::kInt32: return Store<int32_t>(dst, k, static_cast<int32_t>(narrow));
    case code::kInt64: return Store<int64_t>(dst, k, wide);
    case code::kBool: return Store<uint8_t>(dst, k, v.integral ? v.i != 0 : v.d != 0 || std::isnan(v.d));
    case code::kFloat32: return Store<float>(dst, k, AsFloat(v));
    case code::kFloat64: return Store<double>(dst, k, v.integral ? static_cast<double>(v.i) : v.d);
    case code::kFloat16: return Store<uint16_t>(dst, k, static_cast<uint16_t>(Encode(AsFloat(v), kHalf)));
    case code::kBFloat16: return Store<uint16_t>(dst, k, static_cast<uint16_t>(Encode(AsFloat(v), kBFloat16)));
    case code::kFloat8E4M3FN: return Store<uint8_t>(dst, k, static_cast<uint8_t>(Encode(AsFloat(v), kE4M3FN)));
    case code::kFloat8E5M2: return Store<uint8_t>(dst, k, static_cast<uint8_t>(Encode(AsFloat(v), kE5M2)));
    default: return;
  }
}

bool Known(int32_t type) {
  switch (type) {
    case code::kUInt8: case code::kInt8: case code::kInt16: case code::kInt32: case code::kInt64: case code::kBool:
    case code::kFloat32: case code::kFloat64: case code::kFloat16: case code::kBFloat16: case code::kFloat8E4M3FN:
    case code::kFloat8E5M2:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool CanConvert(int32_t dstType, int32_t srcType) { return Known(dstType) && Known(srcType); }

void ConvertElements(void* dst, int32_t dstType, const void* src, int32_t srcType, int64_t count) {
  for (int64_t k = 0; k < count; k++) Write(dst, dstType, k, Read(src, srcType, k));
}

}  // namespace aotihub::shim
