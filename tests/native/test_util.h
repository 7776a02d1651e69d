// Shared helpers for the native GoogleTest suites: RAII handles over the C ABI, tensors from and to
// std::vector through nb_tensor_data_now + strides, status assertions, and naive broadcasting helpers.
//
// Everything here goes through nabla.h only, so the tests check the ABI the bindings see.
#ifndef NABLA_TESTS_NATIVE_TEST_UTIL_H
#define NABLA_TESTS_NATIVE_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nabla.h"

namespace nbtest {

using Shape = std::vector<int64_t>;

struct TensorFree {
  void operator()(nb_tensor *t) const { nb_tensor_free(t); }
};
struct StatusFree {
  void operator()(nb_status *s) const { nb_status_free(s); }
};
struct GeneratorFree {
  void operator()(nb_generator *g) const { nb_generator_free(g); }
};
// One owned reference each.
using Tensor = std::unique_ptr<nb_tensor, TensorFree>;
using Status = std::unique_ptr<nb_status, StatusFree>;
using Generator = std::unique_ptr<nb_generator, GeneratorFree>;

inline std::string shape_str(const Shape &s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

// Takes ownership of the status; "" when it is NULL (success).
inline std::string take_message(nb_status *raw) {
  Status s(raw);
  if (!s) return "";
  const char *m = nb_status_message(s.get());
  return "code " + std::to_string(nb_status_code(s.get())) + ": " + (m ? m : "(null message)");
}

}  // namespace nbtest

// Fails the test (fatally) when the call returns a status, printing its code and message.
#define NB_ASSERT_OK(call)                                                   \
  do {                                                                       \
    nb_status *nb_assert_ok_s_ = (call);                                     \
    if (nb_assert_ok_s_ != nullptr) {                                        \
      FAIL() << #call << " failed: " << ::nbtest::take_message(nb_assert_ok_s_); \
    }                                                                        \
  } while (0)

#define NB_EXPECT_OK(call)                                                   \
  do {                                                                       \
    nb_status *nb_expect_ok_s_ = (call);                                     \
    if (nb_expect_ok_s_ != nullptr) {                                        \
      ADD_FAILURE() << #call << " failed: " << ::nbtest::take_message(nb_expect_ok_s_); \
    }                                                                        \
  } while (0)

namespace nbtest {

// Expects the call to fail with `code` and returns its message (freeing the status), so the caller
// can check that the message names the shapes. Returns "" (and records a failure) on success.
inline std::string expect_error(nb_status *raw, int32_t code) {
  Status s(raw);
  if (!s) {
    ADD_FAILURE() << "expected an error with code " << code << ", got success";
    return "";
  }
  const char *m = nb_status_message(s.get());
  std::string msg = m ? m : "";
  EXPECT_EQ(nb_status_code(s.get()), code) << "message: " << msg;
  EXPECT_FALSE(msg.empty()) << "an error must carry a message";
  return msg;
}

// As expect_error, for failures whose exact code the header leaves open: any code but NB_OK.
inline std::string expect_any_error(nb_status *raw) {
  Status s(raw);
  if (!s) {
    ADD_FAILURE() << "expected an error, got success";
    return "";
  }
  EXPECT_NE(nb_status_code(s.get()), NB_OK);
  const char *m = nb_status_message(s.get());
  std::string msg = m ? m : "";
  EXPECT_FALSE(msg.empty()) << "an error must carry a message";
  return msg;
}

// ---- queries ----

inline Shape shape_of(const nb_tensor *t) {
  int32_t nd = nb_tensor_ndim(t);
  Shape s(static_cast<size_t>(nd));
  EXPECT_EQ(nb_tensor_shape(t, s.data(), nd), nd);
  return s;
}

inline Shape strides_of(const nb_tensor *t) {
  int32_t nd = nb_tensor_ndim(t);
  Shape s(static_cast<size_t>(nd));
  EXPECT_EQ(nb_tensor_strides(t, s.data(), nd), nd);
  return s;
}

inline int64_t numel_of(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline Shape contiguous_strides(const Shape &s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// Row-major multi-index of flat position `flat` in `shape`.
inline Shape unravel(int64_t flat, const Shape &shape) {
  Shape idx(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return idx;
}

// ---- element access through nb_tensor_data_now + strides ----

inline double load(intptr_t base, int32_t dtype, int64_t off) {
  switch (dtype) {
    case NB_DTYPE_F32: return reinterpret_cast<const float *>(base)[off];
    case NB_DTYPE_F64: return reinterpret_cast<const double *>(base)[off];
    case NB_DTYPE_I64: return static_cast<double>(reinterpret_cast<const int64_t *>(base)[off]);
    case NB_DTYPE_BOOL: return reinterpret_cast<const uint8_t *>(base)[off] ? 1.0 : 0.0;
  }
  ADD_FAILURE() << "unknown dtype " << dtype;
  return 0;
}

inline void store(intptr_t base, int32_t dtype, int64_t off, double v) {
  switch (dtype) {
    case NB_DTYPE_F32: reinterpret_cast<float *>(base)[off] = static_cast<float>(v); return;
    case NB_DTYPE_F64: reinterpret_cast<double *>(base)[off] = v; return;
    case NB_DTYPE_I64: reinterpret_cast<int64_t *>(base)[off] = static_cast<int64_t>(v); return;
    case NB_DTYPE_BOOL: reinterpret_cast<uint8_t *>(base)[off] = v != 0; return;
  }
  ADD_FAILURE() << "unknown dtype " << dtype;
}

// Storage offset (in elements, from nb_tensor_data_now) of each logical element, in row-major order.
inline std::vector<int64_t> offsets_of(const nb_tensor *t) {
  Shape shape = shape_of(t), strides = strides_of(t);
  int64_t n = numel_of(shape);
  std::vector<int64_t> offs(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Shape idx = unravel(i, shape);
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * strides[d];
    offs[static_cast<size_t>(i)] = off;
  }
  return offs;
}

// The logical values of t in row-major order, honouring its strides (views, stride 0, ...).
inline std::vector<double> to_vector(const nb_tensor *t) {
  intptr_t base = nb_tensor_data_now(t);
  int32_t dt = nb_tensor_dtype(t);
  std::vector<double> v;
  for (int64_t off : offsets_of(t)) v.push_back(load(base, dt, off));
  return v;
}

// Writes `values` (row-major) into t through its strides. Bypasses the version counter: use it
// only on fresh tensors, or where a test deliberately perturbs inputs (numerical gradients).
inline void write_values(nb_tensor *t, const std::vector<double> &values) {
  intptr_t base = nb_tensor_data_now(t);
  int32_t dt = nb_tensor_dtype(t);
  std::vector<int64_t> offs = offsets_of(t);
  ASSERT_EQ(offs.size(), values.size());
  for (size_t i = 0; i < offs.size(); ++i) store(base, dt, offs[i], values[i]);
}

// ---- creation ----

inline Tensor from_vector(const std::vector<double> &values, const Shape &shape,
                          int32_t dtype = NB_DTYPE_F64) {
  EXPECT_EQ(static_cast<int64_t>(values.size()), numel_of(shape)) << shape_str(shape);
  nb_tensor *raw = nullptr;
  nb_status *s = nb_tensor_empty(dtype, shape.data(), static_cast<int32_t>(shape.size()), &raw);
  if (s) {
    ADD_FAILURE() << "nb_tensor_empty " << shape_str(shape) << ": " << take_message(s);
    return nullptr;
  }
  Tensor t(raw);
  write_values(t.get(), values);
  return t;
}

inline Tensor full(const Shape &shape, double value, int32_t dtype = NB_DTYPE_F64) {
  nb_tensor *raw = nullptr;
  nb_status *s =
      nb_tensor_full(dtype, shape.data(), static_cast<int32_t>(shape.size()), value, &raw);
  if (s) ADD_FAILURE() << "nb_tensor_full " << shape_str(shape) << ": " << take_message(s);
  return Tensor(raw);
}

// Uniform values in [lo, hi).
inline std::vector<double> random_values(std::mt19937 &rng, int64_t n, double lo = -1.0,
                                         double hi = 1.0) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (double &x : v) x = u(rng);
  return v;
}

// Values with lo <= |v| < hi and a random sign: away from 0 for div, rdiv and the like.
inline std::vector<double> random_nonzero(std::mt19937 &rng, int64_t n, double lo = 0.5,
                                          double hi = 1.5) {
  std::vector<double> v = random_values(rng, n, lo, hi);
  std::bernoulli_distribution sign(0.5);
  for (double &x : v)
    if (sign(rng)) x = -x;
  return v;
}

// Values as a tensor of dtype would hold them (f32 rounds), so references use the same inputs.
inline std::vector<double> rounded(std::vector<double> v, int32_t dtype) {
  if (dtype == NB_DTYPE_F32)
    for (double &x : v) x = static_cast<double>(static_cast<float>(x));
  return v;
}

// A non-contiguous tensor holding `values` (row-major, logical `shape`): the transpose of a
// contiguous tensor whose last two dims are swapped. Rank < 2 gives a contiguous tensor.
inline Tensor strided_from_vector(const std::vector<double> &values, const Shape &shape,
                                  int32_t dtype = NB_DTYPE_F64) {
  size_t nd = shape.size();
  if (nd < 2) return from_vector(values, shape, dtype);
  Shape swapped = shape;
  std::swap(swapped[nd - 1], swapped[nd - 2]);
  Tensor base = full(swapped, 0.0, dtype);
  if (!base) return nullptr;
  nb_tensor *raw = nullptr;
  nb_status *s = nb_tensor_transpose(0, base.get(), -1, -2, &raw);
  if (s) {
    ADD_FAILURE() << "nb_tensor_transpose: " << take_message(s);
    return nullptr;
  }
  Tensor t(raw);  // a view: keeps base's storage alive after base is freed
  write_values(t.get(), values);
  return t;
}

// A column-major tensor holding `values` (row-major, logical `shape`): a contiguous tensor of the
// reversed shape with every dim reversed by transposes, so every stride differs from row-major.
inline Tensor reversed_from_vector(const std::vector<double> &values, const Shape &shape,
                                   int32_t dtype = NB_DTYPE_F64) {
  Shape rev(shape.rbegin(), shape.rend());
  Tensor t = full(rev, 0.0, dtype);
  int64_t nd = static_cast<int64_t>(shape.size());
  for (int64_t i = 0; t && i < nd / 2; ++i) {
    nb_tensor *raw = nullptr;
    nb_status *s = nb_tensor_transpose(0, t.get(), i, nd - 1 - i, &raw);
    if (s) {
      ADD_FAILURE() << "nb_tensor_transpose: " << take_message(s);
      return nullptr;
    }
    t.reset(raw);
  }
  if (t) write_values(t.get(), values);
  return t;
}

enum class Layout { Contiguous, Transposed, Reversed };

inline const char *layout_name(Layout l) {
  if (l == Layout::Contiguous) return "contiguous";
  return l == Layout::Transposed ? "transposed" : "reversed";
}

inline Tensor make_tensor(const std::vector<double> &values, const Shape &shape, int32_t dtype,
                          Layout layout) {
  switch (layout) {
    case Layout::Transposed: return strided_from_vector(values, shape, dtype);
    case Layout::Reversed: return reversed_from_vector(values, shape, dtype);
    default: return from_vector(values, shape, dtype);
  }
}

const Layout kLayouts[] = {Layout::Contiguous, Layout::Transposed, Layout::Reversed};

// ---- broadcasting, as numpy/PyTorch define it ----

inline Shape broadcast_shape(const Shape &a, const Shape &b) {
  size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (size_t i = 0; i < nd; ++i) {
    int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    out[i] = da == 1 ? db : da;  // callers only pass shapes that broadcast
  }
  return out;
}

// Row-major index into a tensor of `shape` for output multi-index `out_idx` (broadcast source).
inline int64_t broadcast_index(const Shape &out_idx, const Shape &shape) {
  size_t lead = out_idx.size() - shape.size();
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : out_idx[lead + d]);
  return flat;
}

// Tolerance for comparing a kernel against a double-precision reference.
inline double tol_for(int32_t dtype, double magnitude) {
  double rel = dtype == NB_DTYPE_F32 ? 2e-6 : 1e-13;
  return rel * std::max(1.0, std::fabs(magnitude));
}

inline void expect_values_near(const std::vector<double> &got, const std::vector<double> &want,
                               int32_t dtype, const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i;
      continue;
    }
    EXPECT_NEAR(got[i], want[i], tol_for(dtype, want[i])) << what << " at flat index " << i;
  }
}

}  // namespace nbtest

#endif  // NABLA_TESTS_NATIVE_TEST_UTIL_H
