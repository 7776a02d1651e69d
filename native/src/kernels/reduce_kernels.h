// Inner loops of the reductions. sum_contiguous(x, n) sums n contiguous elements in double (as
// sum_raw always has), with 16 independent double accumulators so that the float->double
// conversions and adds run as vector instructions (vcvtps2pd + vaddpd on AVX2) and the loop
// reaches memory bandwidth instead of waiting on one add chain. Compiled for AVX2 and for the
// x86-64 baseline, picked at run time.
#pragma once
#include <cstdint>

#include "kernels/cpu.h"

namespace nabla {

namespace detail {
#define NB_SUM_CONTIGUOUS_BODY                                                   \
  constexpr int L = 16;                                                          \
  double acc[L] = {0};                                                           \
  int64_t i = 0;                                                                 \
  for (; i + L <= n; i += L)                                                     \
    for (int j = 0; j < L; ++j) acc[j] += static_cast<double>(x[i + j]);         \
  double tail = 0;                                                               \
  for (; i < n; ++i) tail += static_cast<double>(x[i]);                          \
  for (int w = L / 2; w > 0; w /= 2)                                             \
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];                            \
  return acc[0] + tail;

template <class T>
__attribute__((target("avx2,fma"))) double sum_contiguous_avx2(const T* x, int64_t n) {
  NB_SUM_CONTIGUOUS_BODY
}
template <class T>
double sum_contiguous_base(const T* x, int64_t n) {
  NB_SUM_CONTIGUOUS_BODY
}
#undef NB_SUM_CONTIGUOUS_BODY
}  // namespace detail

// x[0] + ... + x[n-1], accumulated in double.
template <class T>
double sum_contiguous(const T* x, int64_t n) {
  return vm::cpu_has_avx2_fma() ? detail::sum_contiguous_avx2(x, n) : detail::sum_contiguous_base(x, n);
}

}  // namespace nabla
