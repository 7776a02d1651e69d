#include "ops/pool2x2.h"

#include <immintrin.h>

#include "kernels/cpu.h"

namespace nabla {

namespace {

// One output row of the 2x2, stride-2 max pool (most CNNs' pool): the windows of rows r0 and r1,
// the value and the index in the plane (PyTorch's order: the first maximum wins, a NaN wins). With
// restrict pointers and selects GCC vectorizes it (the general scan keeps data-dependent branches,
// mispredicted on about half of the windows).
template <class T>
__attribute__((always_inline)) inline void pool2x2_row(const T* __restrict r0, const T* __restrict r1, int64_t first,
                                                       int64_t w, T* __restrict ov, int64_t* __restrict oi,
                                                       int64_t ow) {
  for (int64_t ox = 0; ox < ow; ++ox) {
    const T a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
    const int64_t i = first + 2 * ox;
    T best = a;
    int64_t bi = i;
    bool t = (b > best) | (b != b);
    best = t ? b : best;
    bi = t ? i + 1 : bi;
    t = (c > best) | (c != c);
    best = t ? c : best;
    bi = t ? i + w : bi;
    t = (d > best) | (d != d);
    best = t ? d : best;
    bi = t ? i + w + 1 : bi;
    ov[ox] = best;
    oi[ox] = bi;
  }
}
template <class T>
__attribute__((target("avx2"))) void pool2x2_row_avx2(const T* r0, const T* r1, int64_t first, int64_t w, T* ov,
                                                      int64_t* oi, int64_t ow) {
  pool2x2_row(r0, r1, first, w, ov, oi, ow);
}
template <class T>
void pool2x2_row_base(const T* r0, const T* r1, int64_t first, int64_t w, T* ov, int64_t* oi, int64_t ow) {
  pool2x2_row(r0, r1, first, w, ov, oi, ow);
}

// One row of windows of the pool's gradient: g goes to the input its index names, 0 to the other
// three. Restrict pointers and selects, so that it vectorizes (as pool2x2_row).
template <class T>
__attribute__((always_inline)) inline void pool2x2_bw_row(const T* __restrict gr, const int64_t* __restrict ir,
                                                          T* __restrict r0, T* __restrict r1, int64_t base,
                                                          int64_t w, int64_t ow) {
  for (int64_t ox = 0; ox < ow; ++ox) {
    const int64_t k = ir[ox] - base - 2 * ox;  // 0, 1, w or w + 1
    const T v = gr[ox];
    r0[2 * ox] = k == 0 ? v : T(0);
    r0[2 * ox + 1] = k == 1 ? v : T(0);
    r1[2 * ox] = k == w ? v : T(0);
    r1[2 * ox + 1] = k == w + 1 ? v : T(0);
  }
}
template <class T>
__attribute__((target("avx2"))) void pool2x2_bw_row_avx2(const T* gr, const int64_t* ir, T* r0, T* r1, int64_t base,
                                                         int64_t w, int64_t ow) {
  pool2x2_bw_row(gr, ir, r0, r1, base, w, ow);
}
template <class T>
void pool2x2_bw_row_base(const T* gr, const int64_t* ir, T* r0, T* r1, int64_t base, int64_t w, int64_t ow) {
  pool2x2_bw_row(gr, ir, r0, r1, base, w, ow);
}

// Four windows per step with explicit AVX2 (float): the even and odd columns of both rows are
// separated by one permute each, the winner is picked with compares and blends on the values and on
// 32-bit offsets within the window (0, 1, w, w + 1), and the offsets are widened to int64 indices at
// the end. GCC's own vectorization of pool2x2_row handles the stride-2 loads and the 64-bit indices
// far less well (measured: about twice the time per window).
__attribute__((target("avx2"))) void pool2x2_row_avx2_float(const float* r0, const float* r1, int64_t first,
                                                            int64_t w, float* ov, int64_t* oi, int64_t ow) {
  const __m256i evens_odds = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m128i k1 = _mm_set1_epi32(1), kw = _mm_set1_epi32(static_cast<int32_t>(w)),
                kw1 = _mm_set1_epi32(static_cast<int32_t>(w + 1));
  const __m256i lane = _mm256_setr_epi64x(0, 2, 4, 6);
  int64_t ox = 0;
  if (w + 1 < (int64_t{1} << 31)) {
    for (; ox + 4 <= ow; ox += 4) {
      const __m256 top = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r0 + 2 * ox), evens_odds);
      const __m256 bot = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r1 + 2 * ox), evens_odds);
      const __m128 a = _mm256_castps256_ps128(top), b = _mm256_extractf128_ps(top, 1);
      const __m128 c = _mm256_castps256_ps128(bot), d = _mm256_extractf128_ps(bot, 1);
      __m128 best = a;
      __m128i k = _mm_setzero_si128();
      __m128 t = _mm_or_ps(_mm_cmp_ps(b, best, _CMP_GT_OQ), _mm_cmp_ps(b, b, _CMP_UNORD_Q));
      best = _mm_blendv_ps(best, b, t);
      k = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(k), _mm_castsi128_ps(k1), t));
      t = _mm_or_ps(_mm_cmp_ps(c, best, _CMP_GT_OQ), _mm_cmp_ps(c, c, _CMP_UNORD_Q));
      best = _mm_blendv_ps(best, c, t);
      k = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(k), _mm_castsi128_ps(kw), t));
      t = _mm_or_ps(_mm_cmp_ps(d, best, _CMP_GT_OQ), _mm_cmp_ps(d, d, _CMP_UNORD_Q));
      best = _mm_blendv_ps(best, d, t);
      k = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(k), _mm_castsi128_ps(kw1), t));
      _mm_storeu_ps(ov + ox, best);
      const __m256i base = _mm256_add_epi64(_mm256_set1_epi64x(first + 2 * ox), lane);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(oi + ox), _mm256_add_epi64(base, _mm256_cvtepi32_epi64(k)));
    }
  }
  if (ox < ow) pool2x2_row_avx2(r0 + 2 * ox, r1 + 2 * ox, first + 2 * ox, w, ov + ox, oi + ox, ow - ox);
}

}  // namespace

void pool2x2_forward_row(const float* r0, const float* r1, int64_t first, int64_t w, float* ov, int64_t* oi,
                         int64_t ow) {
  if (vm::cpu_has_avx2_fma())
    pool2x2_row_avx2_float(r0, r1, first, w, ov, oi, ow);
  else
    pool2x2_row_base(r0, r1, first, w, ov, oi, ow);
}

void pool2x2_forward_row(const double* r0, const double* r1, int64_t first, int64_t w, double* ov, int64_t* oi,
                         int64_t ow) {
  if (vm::cpu_has_avx2_fma())
    pool2x2_row_avx2(r0, r1, first, w, ov, oi, ow);
  else
    pool2x2_row_base(r0, r1, first, w, ov, oi, ow);
}

template <class T>
void pool2x2_backward_row(const T* gr, const int64_t* ir, T* r0, T* r1, int64_t first, int64_t w, int64_t ow) {
  if (vm::cpu_has_avx2_fma())
    pool2x2_bw_row_avx2(gr, ir, r0, r1, first, w, ow);
  else
    pool2x2_bw_row_base(gr, ir, r0, r1, first, w, ow);
}
template void pool2x2_backward_row(const float*, const int64_t*, float*, float*, int64_t, int64_t, int64_t);
template void pool2x2_backward_row(const double*, const int64_t*, double*, double*, int64_t, int64_t, int64_t);

}  // namespace nabla
