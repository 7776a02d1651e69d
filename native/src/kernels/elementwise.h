// Elementwise loops whose operands may have different element types (comparisons give bool, where
// takes a bool mask): out[i] = f(a[i], ...), every input broadcast to out's shape. The contiguous
// same-shape case is one `omp simd` loop; everything else goes through for_each_strided.
#pragma once
#include <array>
#include <type_traits>

#include "kernels/iter.h"
#include "kernels/stream.h"

namespace nabla {

namespace detail {
template <class T>
inline T& at(char* p, int64_t i, int64_t stride) {
  return *reinterpret_cast<T*>(p + i * stride);
}
}  // namespace detail

// out[i] = f(a[i]); O and A are the element types of out and a.
template <class O, class A, class F>
void map1(const TensorImpl& out, const TensorImpl& a, F f) {
  if (a.shape == out.shape && out.is_contiguous() && a.is_contiguous()) {
    const A* x = a.data<A>();
    fill_output(out.data<O>(), out.numel(), [=](int64_t i0, int64_t n, O* d) {
      const A* xs = x + i0;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) d[i] = f(xs[i]);
    });
    return;
  }
  std::array<Dims, 2> s{out.strides, broadcast_strides(a, out.shape)};
  par_each_strided<2>(out.shape, s, {sizeof(O), sizeof(A)}, {out.data_ptr(), a.data_ptr()},
                      [&](char** p, const int64_t* st, int64_t n) {
                        if (st[0] == sizeof(O) && st[1] == sizeof(A)) {
                          O* o = reinterpret_cast<O*>(p[0]);
                          const A* x = reinterpret_cast<const A*>(p[1]);
#pragma omp simd
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            detail::at<O>(p[0], i, st[0]) = f(detail::at<A>(p[1], i, st[1]));
                        }
                      });
}

// out[i] = f(a[i], b[i]).
template <class O, class A, class B, class F>
void map2(const TensorImpl& out, const TensorImpl& a, const TensorImpl& b, F f) {
  if (a.shape == out.shape && b.shape == out.shape && out.is_contiguous() && a.is_contiguous() &&
      b.is_contiguous()) {
    const A* x = a.data<A>();
    const B* y = b.data<B>();
    fill_output(out.data<O>(), out.numel(), [=](int64_t i0, int64_t n, O* d) {
      const A* xs = x + i0;
      const B* ys = y + i0;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) d[i] = f(xs[i], ys[i]);
    });
    return;
  }
  std::array<Dims, 3> s{out.strides, broadcast_strides(a, out.shape), broadcast_strides(b, out.shape)};
  par_each_strided<3>(out.shape, s, {sizeof(O), sizeof(A), sizeof(B)},
                      {out.data_ptr(), a.data_ptr(), b.data_ptr()},
                      [&](char** p, const int64_t* st, int64_t n) {
                        if (st[0] == sizeof(O) && st[1] == sizeof(A) && st[2] == sizeof(B)) {
                          O* o = reinterpret_cast<O*>(p[0]);
                          const A* x = reinterpret_cast<const A*>(p[1]);
                          const B* y = reinterpret_cast<const B*>(p[2]);
#pragma omp simd
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            detail::at<O>(p[0], i, st[0]) =
                                f(detail::at<A>(p[1], i, st[1]), detail::at<B>(p[2], i, st[2]));
                        }
                      });
}

// out[i] = f(a[i], b[i], c[i]).
template <class O, class A, class B, class C, class F>
void map3(const TensorImpl& out, const TensorImpl& a, const TensorImpl& b, const TensorImpl& c, F f) {
  std::array<Dims, 4> s{out.strides, broadcast_strides(a, out.shape), broadcast_strides(b, out.shape),
                        broadcast_strides(c, out.shape)};
  par_each_strided<4>(out.shape, s, {sizeof(O), sizeof(A), sizeof(B), sizeof(C)},
                      {out.data_ptr(), a.data_ptr(), b.data_ptr(), c.data_ptr()},
                      [&](char** p, const int64_t* st, int64_t n) {
                        // The common case (a mask, a tensor, a broadcast scalar: relu's backward)
                        // as plain loops the compiler vectorizes: every operand contiguous or
                        // one repeated value.
                        bool dense = st[0] == sizeof(O) && (st[1] == sizeof(A) || st[1] == 0) &&
                                     (st[2] == sizeof(B) || st[2] == 0) && (st[3] == sizeof(C) || st[3] == 0);
                        if (dense && st[1] != 0 && st[2] != 0 && st[3] == 0) {
                          O* o = reinterpret_cast<O*>(p[0]);
                          const A* x = reinterpret_cast<const A*>(p[1]);
                          const B* y = reinterpret_cast<const B*>(p[2]);
                          const C z = *reinterpret_cast<const C*>(p[3]);
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], z);
                        } else if (dense && st[1] != 0 && st[2] == 0 && st[3] != 0) {
                          O* o = reinterpret_cast<O*>(p[0]);
                          const A* x = reinterpret_cast<const A*>(p[1]);
                          const B y = *reinterpret_cast<const B*>(p[2]);
                          const C* z = reinterpret_cast<const C*>(p[3]);
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y, z[i]);
                        } else if (dense && st[1] != 0 && st[2] != 0 && st[3] != 0) {
                          O* o = reinterpret_cast<O*>(p[0]);
                          const A* x = reinterpret_cast<const A*>(p[1]);
                          const B* y = reinterpret_cast<const B*>(p[2]);
                          const C* z = reinterpret_cast<const C*>(p[3]);
                          for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i], z[i]);
                        } else {
                          for (int64_t i = 0; i < n; ++i)
                            detail::at<O>(p[0], i, st[0]) =
                                f(detail::at<A>(p[1], i, st[1]), detail::at<B>(p[2], i, st[2]),
                                  detail::at<C>(p[3], i, st[3]));
                        }
                      });
}

}  // namespace nabla
