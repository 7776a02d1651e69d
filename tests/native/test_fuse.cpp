// Deferred elementwise results (Note [deferred elementwise ops], native/src/ops/fuse.h): values bit
// for bit as the eager ops give them, and PyTorch's eager semantics kept around in-place writes,
// exported memory, views, autograd and threads. Tensors of 64 floats and more are deferred here
// (NABLA_FUSE_BYTES=256), and those of 1 KiB and more take the streamed path (NABLA_STREAM_BYTES).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <thread>

#include "test_util.h"

using namespace nbtest;

namespace {

// Before main, so before the library reads them (once, on first use).
const bool kSmallThresholds = [] {
  setenv("NABLA_FUSE_BYTES", "256", 1);
  setenv("NABLA_STREAM_BYTES", "1024", 1);
  return true;
}();

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor op2(nb_status *(*f)(int32_t, const nb_tensor *, const nb_tensor *, nb_tensor **), const Tensor &a,
           const Tensor &b, int32_t flags = 0) {
  nb_tensor *out = nullptr;
  NB_EXPECT_OK(f(flags, a.get(), b.get(), &out));
  return Tensor(out);
}
Tensor mul(const Tensor &a, const Tensor &b, int32_t flags = 0) { return op2(nb_tensor_mul, a, b, flags); }
Tensor add(const Tensor &a, const Tensor &b, int32_t flags = 0) { return op2(nb_tensor_add, a, b, flags); }
Tensor sub(const Tensor &a, const Tensor &b) { return op2(nb_tensor_sub, a, b); }
Tensor div(const Tensor &a, const Tensor &b) { return op2(nb_tensor_div, a, b); }
Tensor add_s(const Tensor &a, double s) {
  nb_tensor *out = nullptr;
  NB_EXPECT_OK(nb_tensor_add_scalar(0, a.get(), s, &out));
  return Tensor(out);
}
Tensor mul_s(const Tensor &a, double s) {
  nb_tensor *out = nullptr;
  NB_EXPECT_OK(nb_tensor_mul_scalar(0, a.get(), s, &out));
  return Tensor(out);
}
Tensor relu(const Tensor &a, int32_t flags = 0) {
  const nb_tensor *in[1] = {a.get()};
  nb_tensor *out = nullptr;
  int32_t n = 0;
  NB_EXPECT_OK(nb_op_call(flags, nb_op_find("relu"), in, 1, nullptr, 0, nullptr, 0, &out, 1, &n));
  return Tensor(out);
}

// Random values with NaN, +-inf and -0.0 among them.
std::vector<double> values(std::mt19937 &rng, int64_t n, int32_t dtype) {
  std::vector<double> v = random_values(rng, n, -2.0, 2.0);
  const double specials[] = {kNaN, kInf, -kInf, -0.0, 0.0};
  for (int64_t i = 0; i < n; i += 13) v[static_cast<size_t>(i)] = specials[(i / 13) % 5];
  return rounded(v, dtype);
}

// Equal bits, except that any NaN matches any NaN (the eager ops do not promise a NaN's payload).
template <class T>
void expect_same(const std::vector<T> &want, const nb_tensor *got, const std::string &what) {
  std::vector<double> g = to_vector(got);
  ASSERT_EQ(g.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    T gi = static_cast<T>(g[i]);
    if (std::isnan(want[i]) && std::isnan(gi)) continue;
    ASSERT_EQ(std::memcmp(&want[i], &gi, sizeof(T)), 0) << what << " at " << i << ": want " << want[i] << " got " << gi;
  }
}

template <class T>
std::vector<T> as(const std::vector<double> &v) {
  return std::vector<T>(v.begin(), v.end());
}

template <class T>
T relu_ref(T x) {
  return x < 0 ? T(0) : x;
}

template <class T>
void check_chains(int32_t dtype) {
  std::mt19937 rng(7);
  for (int64_t n : {64, 67, 515, 1000, 4099, 70001}) {
    std::vector<double> va = values(rng, n, dtype), vb = values(rng, n, dtype), vc = values(rng, n, dtype);
    Tensor a = from_vector(va, {n}, dtype), b = from_vector(vb, {n}, dtype), c = from_vector(vc, {n}, dtype);
    std::vector<T> xa = as<T>(va), xb = as<T>(vb), xc = as<T>(vc);
    const std::string at = "n=" + std::to_string(n);

    // relu(a*b + c): W3.
    Tensor r = relu(add(mul(a, b), c));
    EXPECT_EQ(nb_deferred_tensors(), 1) << at;
    std::vector<T> w(static_cast<size_t>(n));
    for (size_t i = 0; i < w.size(); ++i) {
      T p = xa[i] * xb[i];
      T s = p + xc[i];
      w[i] = relu_ref(s);
    }
    expect_same(w, r.get(), "relu(a*b + c) " + at);
    EXPECT_EQ(nb_deferred_tensors(), 0) << at;

    // (a - b) / c * 2.5 + 1, every op kind and the scalar ones.
    Tensor q = add_s(mul_s(div(sub(a, b), c), 2.5), 1.0);
    for (size_t i = 0; i < w.size(); ++i) {
      T d = xa[i] - xb[i];
      T e = d / xc[i];
      T f = e * static_cast<T>(2.5);
      w[i] = f + static_cast<T>(1.0);
    }
    expect_same(w, q.get(), "(a - b) / c * 2.5 + 1 " + at);

    // A pending result used twice, and read after the result built on it.
    Tensor t = mul(a, b);
    Tensor u = mul(relu(add(t, t)), t);
    std::vector<T> wt(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      wt[i] = xa[i] * xb[i];
      T s = wt[i] + wt[i];
      w[i] = relu_ref(s) * wt[i];
    }
    expect_same(w, u.get(), "relu(t + t) * t " + at);
    expect_same(wt, t.get(), "t = a*b, read last " + at);
  }
}

TEST(Fuse, ChainsMatchTheEagerOpsBitForBitF32) { check_chains<float>(NB_DTYPE_F32); }
TEST(Fuse, ChainsMatchTheEagerOpsBitForBitF64) { check_chains<double>(NB_DTYPE_F64); }

TEST(Fuse, ChainsLongerThanOneExpressionStayExact) {
  // 61 ops over 31 operands: expressions fill up (12 nodes, 6 operands) and start over.
  std::mt19937 rng(3);
  const int64_t n = 1000;
  std::vector<double> v0 = rounded(random_values(rng, n), NB_DTYPE_F32);
  Tensor x = from_vector(v0, {n}, NB_DTYPE_F32);
  std::vector<float> w = as<float>(v0);
  std::vector<Tensor> keep;
  for (int k = 0; k < 30; ++k) {
    std::vector<double> vk = rounded(random_values(rng, n), NB_DTYPE_F32);
    keep.push_back(from_vector(vk, {n}, NB_DTYPE_F32));
    x = k % 3 == 0 ? mul(x, keep.back()) : add(x, keep.back());
    x = mul_s(x, 1.001);
    for (size_t i = 0; i < w.size(); ++i) {
      float o = static_cast<float>(vk[i]);
      w[i] = k % 3 == 0 ? w[i] * o : w[i] + o;
      w[i] = w[i] * 1.001f;
    }
  }
  EXPECT_GE(nb_deferred_tensors(), 1);
  expect_same(w, x.get(), "long chain");
  x.reset();
  EXPECT_EQ(nb_deferred_tensors(), 0);
}

TEST(Fuse, SmallTensorsRunAtOnce) {
  Tensor a = full({63}, 2.0, NB_DTYPE_F32), b = full({63}, 3.0, NB_DTYPE_F32);
  Tensor c = mul(a, b);
  EXPECT_EQ(nb_deferred_tensors(), 0);
  Tensor d = full({64}, 2.0, NB_DTYPE_F32);
  Tensor e = mul(d, d);
  EXPECT_EQ(nb_deferred_tensors(), 1);
}

TEST(Fuse, OtherDtypesAndBroadcastingRunAtOnce) {
  Tensor i = full({1000}, 2.0, NB_DTYPE_I64);
  Tensor ii = mul(i, i);
  EXPECT_EQ(nb_deferred_tensors(), 0);
  Tensor f = full({1000}, 2.0, NB_DTYPE_F32), row = full({1, 1000}, 3.0, NB_DTYPE_F32);
  Tensor col = full({1000, 1}, 3.0, NB_DTYPE_F32);
  Tensor fb = mul(row, col);  // broadcast
  Tensor fm = mul(f, i);      // promotes i to float32, then defers the product
  EXPECT_EQ(nb_deferred_tensors(), 1);
  EXPECT_EQ(to_vector(fm.get()), std::vector<double>(1000, 4.0));
  EXPECT_EQ(to_vector(fb.get()), std::vector<double>(1000000, 9.0));
}

// In-place writes to an operand: the pending result keeps the values it was made from, as eager.
TEST(Fuse, InPlaceWritesToAnOperandComeAfterThePendingResult) {
  const int64_t n = 200;
  std::vector<double> va(n), vb(n);
  for (int64_t i = 0; i < n; ++i) va[i] = static_cast<double>(i), vb[i] = 2.0;
  std::vector<double> want(n);
  for (int64_t i = 0; i < n; ++i) want[i] = va[i] * 2.0;

  struct Case {
    const char *name;
    std::function<void(nb_tensor *a, nb_tensor *b)> write;
  };
  std::vector<Case> cases = {
      {"add_scalar_", [](nb_tensor *a, nb_tensor *) { NB_EXPECT_OK(nb_tensor_add_scalar_(0, a, 1.0)); }},
      {"mul_", [](nb_tensor *a, nb_tensor *b) { NB_EXPECT_OK(nb_tensor_mul_(0, a, b)); }},
      {"add_scaled_", [](nb_tensor *a, nb_tensor *b) { NB_EXPECT_OK(nb_tensor_add_scaled_(0, a, b, 3.0)); }},
      {"fill_", [](nb_tensor *a, nb_tensor *) { NB_EXPECT_OK(nb_tensor_fill_(0, a, 7.0)); }},
      {"copy_", [](nb_tensor *a, nb_tensor *b) { NB_EXPECT_OK(nb_tensor_copy_(0, a, b)); }},
      {"a view's fill_",
       [](nb_tensor *a, nb_tensor *) {
         int64_t shape[2] = {20, 10};
         nb_tensor *v = nullptr;
         NB_EXPECT_OK(nb_tensor_view(0, a, shape, 2, &v));
         nb_tensor *t = nullptr;
         NB_EXPECT_OK(nb_tensor_transpose(0, v, 0, 1, &t));
         NB_EXPECT_OK(nb_tensor_fill_(0, t, -1.0));
         nb_tensor_free(t);
         nb_tensor_free(v);
       }},
      {"sgd_step_",
       [](nb_tensor *a, nb_tensor *b) {
         const nb_tensor *in[2] = {a, b};
         double f[4] = {0.5, 0, 0, 0};
         int64_t iargs[3] = {0, 0, 1};
         nb_tensor *outs[1] = {};
         int32_t n_out = -1;
         NB_EXPECT_OK(nb_op_call(0, nb_op_find("sgd_step_"), in, 2, f, 4, iargs, 3, outs, 1, &n_out));
       }},
      {"a write through nb_tensor_data_now",
       [](nb_tensor *a, nb_tensor *) { reinterpret_cast<float *>(nb_tensor_data_now(a))[5] = 99.0f; }},
  };
  for (const Case &c : cases) {
    Tensor a = from_vector(va, {n}, NB_DTYPE_F32), b = from_vector(vb, {n}, NB_DTYPE_F32);
    Tensor t = mul(a, b);
    Tensor r = relu(t);
    EXPECT_EQ(nb_deferred_tensors(), 2) << c.name;
    c.write(a.get(), b.get());
    EXPECT_EQ(nb_deferred_tensors(), 0) << c.name << " computes what reads a first";
    EXPECT_EQ(to_vector(t.get()), want) << c.name;
    EXPECT_EQ(to_vector(r.get()), want) << c.name;
    EXPECT_NE(to_vector(a.get()), va) << c.name << " did write";
  }
}

TEST(Fuse, InPlaceOpOnThePendingResultItself) {
  Tensor a = full({100}, 3.0, NB_DTYPE_F32);
  Tensor t = mul(a, a);
  NB_ASSERT_OK(nb_tensor_add_scalar_(0, t.get(), 1.0));
  EXPECT_EQ(to_vector(t.get()), std::vector<double>(100, 10.0));
  EXPECT_EQ(nb_tensor_version(t.get()), 1);
}

// nb_tensor_data hands out memory that may be written at any time: nothing defers a read of it.
TEST(Fuse, ExportedMemoryIsNeverReadLater) {
  Tensor a = full({100}, 3.0, NB_DTYPE_F32);
  Tensor t = mul(a, a);  // pending, reads a
  float *pa = reinterpret_cast<float *>(nb_tensor_data(a.get()));
  EXPECT_EQ(nb_deferred_tensors(), 0) << "exporting a computes what reads it";
  Tensor u = add(a, a);  // a is exported: computed at once
  EXPECT_EQ(nb_deferred_tensors(), 0);
  pa[0] = 100.0f;
  std::vector<double> w9(100, 9.0), w6(100, 6.0);
  EXPECT_EQ(to_vector(t.get()), w9);
  EXPECT_EQ(to_vector(u.get()), w6);
  // A pending tensor's own export computes it first.
  Tensor b = full({100}, 2.0, NB_DTYPE_F32);
  Tensor v = mul(b, b);
  EXPECT_EQ(reinterpret_cast<float *>(nb_tensor_data(v.get()))[99], 4.0f);
}

TEST(Fuse, ViewsReshapesAndReductionsOfAPendingResult) {
  const int64_t r = 30, c = 40;
  std::vector<double> va(r * c);
  for (size_t i = 0; i < va.size(); ++i) va[i] = static_cast<double>(i % 17) - 8.0;
  Tensor a = from_vector(va, {r, c}, NB_DTYPE_F64);
  Tensor t = relu(a);
  nb_tensor *tr = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &tr));
  Tensor tt(tr);
  std::vector<double> got = to_vector(tt.get());
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) ASSERT_EQ(got[j * r + i], std::max(va[i * c + j], 0.0));
  Tensor s = relu(a);
  nb_tensor *sum = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(0, s.get(), &sum));
  Tensor ss(sum);
  double want = 0;
  for (double x : va) want += std::max(x, 0.0);
  EXPECT_EQ(to_vector(ss.get())[0], want);
  Tensor m = relu(a);
  nb_tensor *mm = nullptr;
  NB_ASSERT_OK(nb_tensor_matmul(0, m.get(), tt.get(), &mm));  // [30, 40] @ [40, 30]
  Tensor mmt(mm);
  EXPECT_EQ(shape_of(mmt.get()), (Shape{r, r}));
  double d0 = 0;
  for (int64_t j = 0; j < c; ++j) d0 += std::max(va[j], 0.0) * std::max(va[j], 0.0);
  EXPECT_DOUBLE_EQ(to_vector(mmt.get())[0], d0);
}

TEST(Fuse, ResultsNobodyReadsAreDroppedWithTheirOperands) {
  int64_t live = nb_live_tensors();
  {
    Tensor a = full({500}, 1.0, NB_DTYPE_F32);
    Tensor t = relu(add(mul(a, a), a));
    EXPECT_EQ(nb_deferred_tensors(), 1);
  }
  EXPECT_EQ(nb_deferred_tensors(), 0);
  EXPECT_EQ(nb_live_tensors(), live);
}

TEST(Fuse, GraphRecordingOpsRunAtOnceAndDifferentiate) {
  Tensor a = full({100}, 3.0, NB_DTYPE_F64);
  NB_ASSERT_OK(nb_tensor_set_requires_grad(a.get(), 1));
  Tensor b = full({100}, 2.0, NB_DTYPE_F64);
  Tensor t = mul(a, b, NB_GRAD);
  EXPECT_EQ(nb_deferred_tensors(), 0) << "records a graph";
  Tensor nograd = mul(a, b, 0);
  EXPECT_EQ(nb_deferred_tensors(), 1) << "no grad mode";
  // A pending operand of a recorded op: saved, then read by the backward pass.
  Tensor p = mul(b, b);
  Tensor y = mul(t, p, NB_GRAD);
  nb_tensor *s = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &s));
  Tensor sum(s);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, sum.get(), nullptr, 0, 0));
  Tensor grad(nb_tensor_grad(a.get()));
  EXPECT_EQ(to_vector(grad.get()), std::vector<double>(100, 8.0));  // d(a*b*b*b)/da
  EXPECT_EQ(to_vector(nograd.get()), std::vector<double>(100, 6.0));
}

TEST(Fuse, ThreadsReadingOnePendingResultAllSeeItsValues) {
  for (int round = 0; round < 20; ++round) {
    Tensor a = full({20000}, 1.5, NB_DTYPE_F32);
    Tensor t = relu(mul_s(a, 2.0));
    std::vector<double> got[4];
    std::vector<std::thread> th;
    for (int k = 0; k < 4; ++k) th.emplace_back([&, k] { got[k] = to_vector(t.get()); });
    for (auto &x : th) x.join();
    for (auto &g : got) ASSERT_EQ(g, std::vector<double>(20000, 3.0));
  }
}

}  // namespace
