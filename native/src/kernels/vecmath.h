// Vector math for float32: exp, log, tanh, sigmoid, silu, gelu (tanh form), softplus, as plain
// branch-free scalar functions that GCC vectorizes inside `omp simd` loops (the file that uses
// them needs -fopenmp-simd). Each array kernel is compiled twice, for AVX2+FMA and for the
// x86-64 baseline (SSE2), and picked at run time with __builtin_cpu_supports, so one library runs
// fast on AVX2 machines and correctly on every x86-64 CPU.
//
// Algorithms (Cephes-style, coefficients from Cephes' single-precision library):
//   exp  x = 2^k e^r, k = round(x / ln 2), r = x - k ln 2 in two parts (Cody-Waite), e^r by a
//        degree-7 polynomial; 2^k applied as two factors 2^(k/2) 2^(k - k/2), so the denormal
//        range rounds once, correctly.
//   log  x = 2^e m with m in [sqrt(1/2), sqrt 2) read from the bits (denormals prescaled by
//        2^23), log(1 + f) by a degree-10 polynomial, plus e ln 2 in two parts.
//   tanh odd polynomial for |x| < 0.625, else 1 - 2 / (e^(2|x|) + 1), sign restored.
//   sigmoid 1 / (1 + e^-|x|) for x >= 0 and e^x / (1 + e^x) for x < 0: no overflow, and the
//        tiny values of sigmoid(x << 0) keep their precision down to the denormals.
// NaN, inf and signed zero follow PyTorch: exp(-inf) = 0, exp(inf) = inf, log(0) = -inf,
// log(x < 0) = NaN, log(inf) = inf, tanh(+-inf) = +-1, tanh(-0) = -0, sigmoid(-inf) = 0, NaN in,
// NaN out. Accuracy (tests/native/test_vecmath.cpp, dense sweep): a few ulp; see the table there.
// float64 keeps std:: (these polynomials are float32-accurate only).
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cpu.h"

#define NB_VM_INLINE inline __attribute__((always_inline))

namespace nabla {
namespace vm {

NB_VM_INLINE uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
NB_VM_INLINE float from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
// |x| with the sign bit of s.
NB_VM_INLINE float with_sign_of(float x, float s) {
  return from_bits((bits(x) & 0x7fffffffu) | (bits(s) & 0x80000000u));
}
NB_VM_INLINE float fabs_(float x) { return from_bits(bits(x) & 0x7fffffffu); }

NB_VM_INLINE float exp_f(float x) {
  // Beyond these the result is inf / 0 anyway; the clamp keeps k in [-150, 128].
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  xc = x != x ? 0.0f : xc;
  // k = round(xc / ln 2) by the 1.5 * 2^23 trick (round to nearest even, no libm call).
  const float shifter = 12582912.0f;
  float kf = (xc * 1.44269504088896341f + shifter) - shifter;
  float r = xc - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * z + r + 1.0f;
  int32_t k = static_cast<int32_t>(kf);
  int32_t k1 = k >> 1;  // arithmetic shift: floor(k / 2)
  int32_t k2 = k - k1;
  float s1 = from_bits(static_cast<uint32_t>(k1 + 127) << 23);
  float s2 = from_bits(static_cast<uint32_t>(k2 + 127) << 23);
  float res = (y * s1) * s2;
  return x != x ? x : res;
}

NB_VM_INLINE float log_f(float x) {
  // Denormals: scale into the normal range first.
  bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;
  uint32_t u = bits(xs);
  int32_t e = static_cast<int32_t>((u >> 23) & 0xffu) - 126 - (sub ? 23 : 0);
  float m = from_bits((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  bool lo = m < 0.707106781186547524f;
  e = lo ? e - 1 : e;
  float f = lo ? (m + m) - 1.0f : m - 1.0f;  // [sqrt(1/2) - 1, sqrt(2) - 1), exact
  float fe = static_cast<float>(e);
  float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  float y = f * z * p;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  float r = f + y;
  r = r + fe * 0.693359375f;
  const float inf = std::numeric_limits<float>::infinity();
  r = x == inf ? inf : r;
  r = x == 0.0f ? -inf : r;
  r = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : r;
  return x != x ? x : r;
}

NB_VM_INLINE float tanh_f(float x) {
  float ax = fabs_(x);
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = ax + ax * z * p;
  float e = exp_f(2.0f * (ax > 44.0f ? 44.0f : ax));  // tanh(44) rounds to 1; e^88 is finite
  float big = 1.0f - 2.0f / (e + 1.0f);
  float r = ax < 0.625f ? small : big;
  r = with_sign_of(r, x);
  return x != x ? x : r;
}

NB_VM_INLINE float sigmoid_f(float x) {
  float e = exp_f(-fabs_(x));
  float d = 1.0f + e;
  float r = (x >= 0.0f ? 1.0f : e) / d;
  return x != x ? x : r;
}

// x sigmoid(x), with the stable sigmoid (x / (1 + e^-x) would flush to -0 below x = -88.7).
// silu(-inf) = -inf * 0 = NaN, as PyTorch's x / (1 + e^-x).
NB_VM_INLINE float silu_f(float x) { return x * sigmoid_f(x); }

// gelu, tanh form: x (1 + tanh u) / 2 = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3). The
// sigmoid form has no cancellation for x << 0. There, gelu is ill-conditioned (relative error
// about |6 k u| ulp from rounding u alone: up to ~1e-5 relative at x = -10, where PyTorch's
// 1 + tanh u form returns 0).
NB_VM_INLINE float gelu_tanh_f(float x) {
  float u2 = 1.5957691216057308f * (x + 0.044715f * x * x * x);
  return x * sigmoid_f(u2);
}

// log(1 + e^t), stably: max(t, 0) + log1p(e^-|t|), log1p(v) = log(w) - ((w - 1) - v) / w with
// w = 1 + v (the correction term recovers what rounding 1 + v lost).
NB_VM_INLINE float log1pexp_f(float t) {
  float v = exp_f(-fabs_(t));
  float w = 1.0f + v;
  float l1p = w == 1.0f ? v : log_f(w) - ((w - 1.0f) - v) / w;
  float r = (t > 0.0f ? t : 0.0f) + l1p;
  return t != t ? t : r;
}

// softplus: log(1 + e^(beta x)) / beta, or x where beta x > threshold.
NB_VM_INLINE float softplus_f(float x, float beta, float threshold) {
  float bx = x * beta;
  float r = bx > threshold ? x : log1pexp_f(bx) / beta;
  return x != x ? x : r;
}

// Defines NAME_avx2, NAME_base (both testable) and NAME, the dispatcher:
// y[i] = EXPR(x[i]) for i < n, with extra parameters PARAMS / their names ARGS.
#define NB_VM_KERNEL(NAME, PARAMS, ARGS, EXPR)                                               \
  __attribute__((target("avx2,fma"))) inline void NAME##_avx2(const float* x, float* y,      \
                                                              int64_t n PARAMS) {            \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) {                                    \
      float v = x[i];                                                                        \
      y[i] = EXPR;                                                                           \
    }                                                                                        \
  }                                                                                          \
  inline void NAME##_base(const float* x, float* y, int64_t n PARAMS) {                      \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) {                                    \
      float v = x[i];                                                                        \
      y[i] = EXPR;                                                                           \
    }                                                                                        \
  }                                                                                          \
  inline void NAME(const float* x, float* y, int64_t n PARAMS) {                             \
    if (cpu_has_avx2_fma())                                                                  \
      NAME##_avx2(x, y, n ARGS);                                                             \
    else                                                                                     \
      NAME##_base(x, y, n ARGS);                                                             \
  }

#define NB_VM_COMMA ,
NB_VM_KERNEL(vexp, , , exp_f(v))
NB_VM_KERNEL(vlog, , , log_f(v))
NB_VM_KERNEL(vtanh, , , tanh_f(v))
NB_VM_KERNEL(vsigmoid, , , sigmoid_f(v))
NB_VM_KERNEL(vsilu, , , silu_f(v))
NB_VM_KERNEL(vgelu_tanh, , , gelu_tanh_f(v))
NB_VM_KERNEL(vsoftplus, NB_VM_COMMA float beta NB_VM_COMMA float threshold,
             NB_VM_COMMA beta NB_VM_COMMA threshold, softplus_f(v, beta, threshold))

}  // namespace vm
}  // namespace nabla
