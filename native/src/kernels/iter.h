// Strided iteration over N operands that share one (broadcast) shape. Dims that can be merged are
// merged first, so a contiguous or broadcast-contiguous case becomes a single inner loop that the
// compiler vectorizes; the outer dims advance like an odometer.
#pragma once
#include <array>
#include <cstdint>

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

// inner(char* ptrs[N], const int64_t strides_bytes[N], int64_t n) runs the innermost loop.
template <size_t N, class F>
void for_each_strided(const Dims& shape, const std::array<Dims, N>& strides,
                      const std::array<size_t, N>& elem_size, const std::array<char*, N>& base,
                      F&& inner) {
  // Collect dims of size > 1, outer to inner, with strides in bytes.
  int64_t sizes[64];
  int64_t st[N][64];
  int nd = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return;
    if (shape[d] == 1) continue;
    sizes[nd] = shape[d];
    for (size_t k = 0; k < N; ++k) st[k][nd] = strides[k][d] * static_cast<int64_t>(elem_size[k]);
    ++nd;
  }
  // Merge dim i into dim i+1 when every operand walks them as one.
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
  char* ptrs[N];
  int64_t inner_st[N];
  for (size_t k = 0; k < N; ++k) {
    ptrs[k] = base[k];
    inner_st[k] = nd ? st[k][nd - 1] : 0;
  }
  if (nd <= 1) {
    inner(ptrs, inner_st, nd ? sizes[0] : 1);
    return;
  }
  int64_t idx[64];
  for (int d = 0; d < nd; ++d) idx[d] = 0;
  int64_t n_inner = sizes[nd - 1];
  for (;;) {
    inner(ptrs, inner_st, n_inner);
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
    for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = f(x[i], y[i]);
    return;
  }
  std::array<Dims, 3> s{out.strides, broadcast_strides(a, out.shape), broadcast_strides(b, out.shape)};
  for_each_strided<3>(out.shape, s, {E, E, E}, {out.data_ptr(), a.data_ptr(), b.data_ptr()},
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
    for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = f(x[i]);
    return;
  }
  std::array<Dims, 2> s{out.strides, broadcast_strides(a, out.shape)};
  for_each_strided<2>(out.shape, s, {E, E}, {out.data_ptr(), a.data_ptr()},
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
