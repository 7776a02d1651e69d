// Strided iteration over N operands that share one (broadcast) shape. Dims that can be merged are
// merged first, so a contiguous or broadcast-contiguous case becomes a single inner loop that the
// compiler vectorizes; the outer dims advance like an odometer.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "kernels/parallel.h"
#include "tensor/tensor.h"

namespace nabla {

// Strides (elements) of `t` seen as broadcast to `shape`: 0 where t has size 1 or no dim.
inline Dims broadcast_strides(const TensorImpl& t, const Dims& shape) {
  Dims s(shape.size(), 0);
  size_t off = shape.size() - t.shape.size();
  for (size_t i = 0; i < t.shape.size(); ++i)
    s[off + i] = t.shape[i] == 1 ? 0 : t.strides[i];
  return s;
}

// The dims of a strided loop over N operands, with dims of size 1 dropped and dims that every operand
// walks as one merged; strides in bytes.
template <size_t N>
struct StridedLoop {
  int nd = 0;
  bool empty = false;
  int64_t sizes[64];
  int64_t st[N][64];

  StridedLoop(const Dims& shape, const std::array<Dims, N>& strides,
              const std::array<size_t, N>& elem_size) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 0) {
        empty = true;
        return;
      }
      if (shape[d] == 1) continue;
      sizes[nd] = shape[d];
      for (size_t k = 0; k < N; ++k) st[k][nd] = strides[k][d] * static_cast<int64_t>(elem_size[k]);
      ++nd;
    }
    // Merge dim d into the previous one when every operand walks them as one.
    int w = 0;
    for (int d = 0; d < nd; ++d) {
      if (w > 0) {
        bool can = true;
        for (size_t k = 0; k < N; ++k)
          if (st[k][w - 1] != st[k][d] * sizes[d]) can = false;
        if (can) {
          sizes[w - 1] *= sizes[d];
          for (size_t k = 0; k < N; ++k) st[k][w - 1] = st[k][d];
          continue;
        }
      }
      sizes[w] = sizes[d];
      for (size_t k = 0; k < N; ++k) st[k][w] = st[k][d];
      ++w;
    }
    nd = w;
  }

  int64_t numel() const {
    if (empty) return 0;
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= sizes[d];
    return n;
  }

  // True when operand `k` visits one element from two positions (a stride 0 over a dim of size > 1).
  bool repeats(size_t k) const {
    for (int d = 0; d < nd; ++d)
      if (st[k][d] == 0) return true;
    return false;
  }

  // Runs inner over the elements [lo, hi) of the row-major order, in runs along the innermost dim.
  template <class F>
  void run(const std::array<char*, N>& base, int64_t lo, int64_t hi, F& inner) const {
    char* ptrs[N];
    int64_t inner_st[N];
    for (size_t k = 0; k < N; ++k) {
      ptrs[k] = base[k];
      inner_st[k] = nd ? st[k][nd - 1] : 0;
    }
    if (nd == 0) {
      if (lo < hi) inner(ptrs, inner_st, 1);
      return;
    }
    int64_t idx[64];
    if (lo == 0) {
      for (int d = 0; d < nd; ++d) idx[d] = 0;
    } else {
      int64_t rem = lo;
      for (int d = nd - 1; d >= 0; --d) {
        idx[d] = rem % sizes[d];
        rem /= sizes[d];
        for (size_t k = 0; k < N; ++k) ptrs[k] += idx[d] * st[k][d];
      }
    }
    const int64_t last = sizes[nd - 1];
    int64_t left = hi - lo;
    for (;;) {
      const int64_t n = std::min(last - idx[nd - 1], left);
      inner(ptrs, inner_st, n);
      left -= n;
      if (left <= 0) return;
      if (idx[nd - 1]) {  // a chunk that began mid-row: back to the row's start
        for (size_t k = 0; k < N; ++k) ptrs[k] -= idx[nd - 1] * st[k][nd - 1];
        idx[nd - 1] = 0;
      }
      int d = nd - 2;
      for (; d >= 0; --d) {
        for (size_t k = 0; k < N; ++k) ptrs[k] += st[k][d];
        if (++idx[d] < sizes[d]) break;
        for (size_t k = 0; k < N; ++k) ptrs[k] -= st[k][d] * sizes[d];
        idx[d] = 0;
      }
      if (d < 0) return;
    }
  }
};

// inner(char* ptrs[N], const int64_t strides_bytes[N], int64_t n) runs the innermost loop.
template <size_t N, class F>
void for_each_strided(const Dims& shape, const std::array<Dims, N>& strides,
                      const std::array<size_t, N>& elem_size, const std::array<char*, N>& base,
                      F&& inner) {
  StridedLoop<N> loop(shape, strides, elem_size);
  if (loop.empty) return;
  loop.run(base, 0, loop.numel(), inner);
}

// for_each_strided for loops that write operand 0 elementwise: from two grains (kElementwiseGrain)
// on, the row-major element range is split between threads (inner must be safe to call
// concurrently on disjoint ranges). An operand 0 that repeats elements (an expanded output, or the
// accumulator of a reduction) runs serially.
template <size_t N, class F>
void par_each_strided(const Dims& shape, const std::array<Dims, N>& strides,
                      const std::array<size_t, N>& elem_size, const std::array<char*, N>& base,
                      F&& inner) {
  constexpr int64_t grain = kElementwiseGrain;
  StridedLoop<N> loop(shape, strides, elem_size);
  if (loop.empty) return;
  const int64_t total = loop.numel();
  if (total < 2 * grain || loop.repeats(0)) {
    loop.run(base, 0, total, inner);
    return;
  }
  parallel_for(0, total, grain, [&](int64_t lo, int64_t hi) { loop.run(base, lo, hi, inner); });
}

// for_each_strided for a sum into one double: operand 0 is the accumulator, with stride 0 over every
// dim, and inner adds its n elements into *(double*)p[0]. When the input walks as one dim and is at
// least two grains long, the range is cut into parallel_chunks pieces, each summed by inner into a
// partial of its own; the partials are then added in chunk order, so the result depends only on the
// thread count. Any other loop runs serially.
template <size_t N, class F>
void sum_each_strided(const Dims& shape, const std::array<Dims, N>& strides,
                      const std::array<size_t, N>& elem_size, const std::array<char*, N>& base,
                      F&& inner) {
  StridedLoop<N> loop(shape, strides, elem_size);
  if (loop.empty) return;
  const int64_t total = loop.numel();
  const int64_t k = loop.nd == 1 && !loop.repeats(1) && loop.st[0][0] == 0
                        ? parallel_chunks(total, kElementwiseGrain)
                        : 1;
  if (k <= 1) {
    loop.run(base, 0, total, inner);
    return;
  }
  SmallVec<double, 8> part(static_cast<size_t>(k), 0.0);
  parallel_tasks(k, [&](int64_t i) {
    int64_t lo, hi;
    chunk_bounds(0, total, k, i, lo, hi);
    std::array<char*, N> b = base;
    b[0] = reinterpret_cast<char*>(&part[static_cast<size_t>(i)]);
    for (size_t j = 1; j < N; ++j) b[j] += lo * loop.st[j][0];
    loop.run(b, 0, hi - lo, inner);
  });
  double sum = 0;
  for (size_t i = 0; i < part.size(); ++i) sum += part[i];
  *reinterpret_cast<double*>(base[0]) += sum;
}

// out[i] = f(a[i], b[i]) with a and b broadcast to out's shape; all three of type T.
template <class T, class F>
void binary_kernel(const TensorImpl& out, const TensorImpl& a, const TensorImpl& b, F f) {
  constexpr int64_t E = sizeof(T);
  // Fast path, and the common one: three contiguous operands of one shape.
  if (a.shape == out.shape && b.shape == out.shape && out.is_contiguous() && a.is_contiguous() &&
      b.is_contiguous()) {
    T* o = out.data<T>();
    const T* x = a.data<T>();
    const T* y = b.data<T>();
    parallel_for(0, out.numel(), kElementwiseGrain, [=](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(x[i], y[i]);
    });
    return;
  }
  std::array<Dims, 3> s{out.strides, broadcast_strides(a, out.shape), broadcast_strides(b, out.shape)};
  par_each_strided<3>(out.shape, s, {E, E, E}, {out.data_ptr(), a.data_ptr(), b.data_ptr()},
                      [&](char** p, const int64_t* st, int64_t n) {
                        T* o = reinterpret_cast<T*>(p[0]);
                        const T* x = reinterpret_cast<const T*>(p[1]);
                        const T* y = reinterpret_cast<const T*>(p[2]);
                        if (st[0] == E && st[1] == E && st[2] == E) {
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                        } else if (st[0] == E && st[1] == 0 && st[2] == E) {
                          const T xv = *x;
                          for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
                        } else if (st[0] == E && st[1] == E && st[2] == 0) {
                          const T yv = *y;
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<T*>(p[0] + i * st[0]) =
                                f(*reinterpret_cast<const T*>(p[1] + i * st[1]),
                                  *reinterpret_cast<const T*>(p[2] + i * st[2]));
                        }
                      });
}

// out[i] = f(a[i]); a has out's shape (or broadcasts to it).
template <class T, class F>
void unary_kernel(const TensorImpl& out, const TensorImpl& a, F f) {
  constexpr int64_t E = sizeof(T);
  if (a.shape == out.shape && out.is_contiguous() && a.is_contiguous()) {
    T* o = out.data<T>();
    const T* x = a.data<T>();
    parallel_for(0, out.numel(), kElementwiseGrain, [=](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = f(x[i]);
    });
    return;
  }
  std::array<Dims, 2> s{out.strides, broadcast_strides(a, out.shape)};
  par_each_strided<2>(out.shape, s, {E, E}, {out.data_ptr(), a.data_ptr()},
                      [&](char** p, const int64_t* st, int64_t n) {
                        T* o = reinterpret_cast<T*>(p[0]);
                        const T* x = reinterpret_cast<const T*>(p[1]);
                        if (st[0] == E && st[1] == E) {
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<T*>(p[0] + i * st[0]) =
                                f(*reinterpret_cast<const T*>(p[1] + i * st[1]));
                        }
                      });
}

}  // namespace nabla
