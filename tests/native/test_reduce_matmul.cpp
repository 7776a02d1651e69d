// Reductions (sum, mean: over everything and over dims) and matmul vs naive loops, on contiguous
// and transposed inputs, plus their shape and argument errors.
#include <array>
#include <set>

#include "test_util.h"

using namespace nbtest;

namespace {

const int32_t kFloatTypes[] = {NB_DTYPE_F32, NB_DTYPE_F64};

// ---- reductions ----

struct Reduced {
  Shape shape;                // the output shape (keep_dim decides whether reduced dims stay as 1)
  std::vector<double> sum;    // per output element
  std::vector<double> abssum; // sum of |x|, which bounds the rounding error of sum
  std::vector<int64_t> count; // elements folded into each output
};

// Naive reference: every input element adds into the output element whose index has the reduced
// dims zeroed. `dims` are already normalized to 0..ndim-1.
Reduced reduce_ref(const std::vector<double> &v, const Shape &shape, const std::set<int64_t> &dims,
                   bool keep_dim) {
  Shape kept = shape;  // shape with reduced dims set to 1
  for (int64_t d : dims) kept[d] = 1;
  Reduced r;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!dims.count(static_cast<int64_t>(d)) || keep_dim) r.shape.push_back(kept[d]);
  int64_t n_out = numel_of(kept);
  r.sum.assign(n_out, 0.0);
  r.abssum.assign(n_out, 0.0);
  r.count.assign(n_out, 0);
  for (int64_t i = 0; i < numel_of(shape); ++i) {
    Shape idx = unravel(i, shape);
    int64_t o = broadcast_index(idx, kept);  // kept has 1 where reduced, so the index is dropped
    r.sum[o] += v[i];
    r.abssum[o] += std::fabs(v[i]);
    r.count[o] += 1;
  }
  return r;
}

double reduce_tol(int32_t dt, double abssum) {
  return (dt == NB_DTYPE_F32 ? 1e-5 : 1e-12) * std::max(1.0, abssum);
}

void check_reduce(bool mean, const Shape &shape, const std::vector<int64_t> &dims, bool keep_dim,
                  int32_t dt, bool strided, std::mt19937 &rng) {
  std::string what = std::string(mean ? "mean" : "sum") + " " + shape_str(shape) + " dims " +
                     shape_str(dims) + " keep_dim " + std::to_string(keep_dim) + " dtype " +
                     std::to_string(dt) + (strided ? " strided" : "");
  SCOPED_TRACE(what);
  std::vector<double> v = rounded(random_values(rng, numel_of(shape)), dt);
  Tensor a = strided ? strided_from_vector(v, shape, dt) : from_vector(v, shape, dt);
  ASSERT_TRUE(a);
  nb_tensor *raw = nullptr;
  auto fn = mean ? nb_tensor_mean_dims : nb_tensor_sum_dims;
  NB_ASSERT_OK(fn(0, a.get(), dims.data(), static_cast<int32_t>(dims.size()), keep_dim, &raw));
  Tensor out(raw);

  std::set<int64_t> norm;
  for (int64_t d : dims) norm.insert(d < 0 ? d + static_cast<int64_t>(shape.size()) : d);
  Reduced r = reduce_ref(v, shape, norm, keep_dim);
  ASSERT_EQ(shape_of(out.get()), r.shape);
  ASSERT_EQ(nb_tensor_dtype(out.get()), dt);
  std::vector<double> got = to_vector(out.get());
  for (size_t i = 0; i < got.size(); ++i) {
    double want = mean ? r.sum[i] / r.count[i] : r.sum[i];
    double tol = reduce_tol(dt, mean ? r.abssum[i] / r.count[i] : r.abssum[i]);
    EXPECT_NEAR(got[i], want, tol) << "output " << i;
  }
}

TEST(Reduce, SumAndMeanOverAll) {
  std::mt19937 rng(1);
  const std::vector<Shape> shapes = {{}, {1}, {7}, {33}, {1000}, {3, 4}, {33, 7}, {2, 3, 5}};
  for (const Shape &shape : shapes)
    for (int32_t dt : kFloatTypes)
      for (bool strided : {false, true}) {
        if (strided && shape.size() < 2) continue;
        SCOPED_TRACE(shape_str(shape) + " dtype " + std::to_string(dt) +
                     (strided ? " strided" : ""));
        std::vector<double> v = rounded(random_values(rng, numel_of(shape)), dt);
        Tensor a = strided ? strided_from_vector(v, shape, dt) : from_vector(v, shape, dt);
        double want = 0, abssum = 0;
        for (double x : v) want += x, abssum += std::fabs(x);
        nb_tensor *raw = nullptr;
        NB_ASSERT_OK(nb_tensor_sum(0, a.get(), &raw));
        Tensor s(raw);
        EXPECT_EQ(nb_tensor_ndim(s.get()), 0) << "sum of all is a 0-dim tensor";
        EXPECT_EQ(nb_tensor_dtype(s.get()), dt);
        double got = 0;
        NB_ASSERT_OK(nb_tensor_item(s.get(), &got));
        EXPECT_NEAR(got, want, reduce_tol(dt, abssum));

        NB_ASSERT_OK(nb_tensor_mean(0, a.get(), &raw));
        Tensor m(raw);
        EXPECT_EQ(nb_tensor_ndim(m.get()), 0);
        NB_ASSERT_OK(nb_tensor_item(m.get(), &got));
        double n = static_cast<double>(v.size());
        EXPECT_NEAR(got, want / n, reduce_tol(dt, abssum / n));
      }
}

TEST(Reduce, HandCheckedDims) {
  // [[1, 2, 3], [4, 5, 6]]: column sums 5 7 9, row sums 6 15, row means 2 5.
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  int64_t d0 = 0, dlast = -1;
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_sum_dims(0, a.get(), &d0, 1, 0, &raw));
  Tensor cols(raw);
  EXPECT_EQ(shape_of(cols.get()), (Shape{3}));
  EXPECT_EQ(to_vector(cols.get()), (std::vector<double>{5, 7, 9}));
  NB_ASSERT_OK(nb_tensor_sum_dims(0, a.get(), &dlast, 1, 1, &raw));
  Tensor rows(raw);
  EXPECT_EQ(shape_of(rows.get()), (Shape{2, 1}));
  EXPECT_EQ(to_vector(rows.get()), (std::vector<double>{6, 15}));
  NB_ASSERT_OK(nb_tensor_mean_dims(0, a.get(), &dlast, 1, 0, &raw));
  Tensor means(raw);
  EXPECT_EQ(to_vector(means.get()), (std::vector<double>{2, 5}));
}

TEST(Reduce, EveryDimSubsetWithNegativeDims) {
  std::mt19937 rng(2);
  const std::vector<Shape> shapes = {{7}, {3, 4}, {4, 1, 33}, {2, 3, 5}, {2, 3, 1, 5}};
  std::bernoulli_distribution coin(0.5);
  for (const Shape &shape : shapes) {
    int64_t nd = static_cast<int64_t>(shape.size());
    for (int64_t mask = 1; mask < (int64_t{1} << nd); ++mask) {
      std::vector<int64_t> dims;
      for (int64_t d = nd - 1; d >= 0; --d)  // listed out of order on purpose
        if (mask & (int64_t{1} << d)) dims.push_back(coin(rng) ? d - nd : d);
      for (bool mean : {false, true})
        for (bool keep : {false, true})
          for (int32_t dt : kFloatTypes)
            for (bool strided : {false, true}) {
              if (strided && nd < 2) continue;
              check_reduce(mean, shape, dims, keep, dt, strided, rng);
            }
    }
  }
}

TEST(Reduce, EmptyTensor) {
  // As torch: the sum of no elements is 0 and their mean is 0/0 = nan.
  Tensor a = full({2, 0}, 1.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(0, a.get(), &raw));
  Tensor s(raw);
  EXPECT_EQ(to_vector(s.get()), std::vector<double>{0.0});
  NB_ASSERT_OK(nb_tensor_mean(0, a.get(), &raw));
  Tensor m(raw);
  EXPECT_TRUE(std::isnan(to_vector(m.get())[0]));
  int64_t d = 1;
  NB_ASSERT_OK(nb_tensor_sum_dims(0, a.get(), &d, 1, 0, &raw));
  Tensor rows(raw);
  EXPECT_EQ(shape_of(rows.get()), (Shape{2}));
  EXPECT_EQ(to_vector(rows.get()), (std::vector<double>{0, 0}));
}

TEST(Reduce, ExpandedInput) {
  // A stride-0 input: [4, 3] expanded from [1, 3] = {1, 2, 3} per row.
  Tensor a0 = from_vector({1, 2, 3}, {1, 3});
  Shape s{4, 3};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, a0.get(), s.data(), 2, &raw));
  Tensor a(raw);
  NB_ASSERT_OK(nb_tensor_sum(0, a.get(), &raw));
  Tensor all(raw);
  EXPECT_EQ(to_vector(all.get()), std::vector<double>{24});
  int64_t d0 = 0, d1 = 1;
  NB_ASSERT_OK(nb_tensor_sum_dims(0, a.get(), &d0, 1, 0, &raw));
  Tensor cols(raw);
  EXPECT_EQ(to_vector(cols.get()), (std::vector<double>{4, 8, 12}));
  NB_ASSERT_OK(nb_tensor_mean_dims(0, a.get(), &d1, 1, 1, &raw));
  Tensor rows(raw);
  EXPECT_EQ(shape_of(rows.get()), (Shape{4, 1}));
  EXPECT_EQ(to_vector(rows.get()), std::vector<double>(4, 2.0));
}

TEST(Reduce, LongFloat32SumsStayAccurate) {
  // torch sums float32 with cascaded (pairwise-like) accumulation, for the innermost dim and for
  // outer dims alike, so 10^5 or 10^7 terms of 0.1f stay within ~1e-6 relative; a plain float
  // accumulator drifts by 1e-4 after 10^5 terms and by 1% after 10^6.
  const double tenth = static_cast<double>(0.1f);
  struct Case {
    Shape shape;
    std::vector<int64_t> dims;  // empty: nb_tensor_sum over everything
  };
  const std::vector<Case> cases = {
      {{10000000}, {}},     // one long row
      {{100000, 3}, {0}},   // the outer dim of a contiguous tensor: a batch mean's shape
      {{3, 100000}, {1}},   // the innermost dim
      {{1000, 1000}, {0}},  //
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(shape_str(c.shape) + " dims " + shape_str(c.dims));
    Tensor a = full(c.shape, 0.1, NB_DTYPE_F32);
    nb_tensor *raw = nullptr;
    if (c.dims.empty()) {
      NB_ASSERT_OK(nb_tensor_sum(0, a.get(), &raw));
    } else {
      NB_ASSERT_OK(nb_tensor_sum_dims(0, a.get(), c.dims.data(), 1, 0, &raw));
    }
    Tensor s(raw);
    int64_t terms = c.dims.empty() ? numel_of(c.shape) : c.shape[c.dims[0]];
    double want = terms * tenth;
    for (double got : to_vector(s.get())) ASSERT_NEAR(got, want, 1e-5 * want);
    if (c.dims.empty()) continue;
    NB_ASSERT_OK(nb_tensor_mean_dims(0, a.get(), c.dims.data(), 1, 0, &raw));
    Tensor m(raw);
    for (double got : to_vector(m.get())) ASSERT_NEAR(got, tenth, 1e-5 * tenth);
  }
}

TEST(Reduce, DimOutOfRangeFails) {
  Tensor a = full({2, 3}, 1.0);
  for (int64_t bad : {2, -3}) {
    nb_tensor *out = nullptr;
    expect_error(nb_tensor_sum_dims(0, a.get(), &bad, 1, 0, &out), NB_ERR_ARGUMENT);
    expect_error(nb_tensor_mean_dims(0, a.get(), &bad, 1, 0, &out), NB_ERR_ARGUMENT);
    EXPECT_EQ(out, nullptr);
  }
}

TEST(Reduce, RepeatedDimFails) {
  // torch: "dim 1 appears multiple times in the list of dims"; -1 and 1 name the same dim.
  Tensor a = full({2, 3}, 1.0);
  int64_t dims[2] = {1, -1};
  nb_tensor *out = nullptr;
  expect_error(nb_tensor_sum_dims(0, a.get(), dims, 2, 0, &out), NB_ERR_ARGUMENT);
  EXPECT_EQ(out, nullptr);
}

// ---- matmul ----

// Computes a (logical [m, k]) @ b (logical [k, n]) with a triple loop, and the bound
// sum_k |a_ik b_kj| on the rounding error of each output.
void matmul_ref(const std::vector<double> &a, const std::vector<double> &b, int64_t m, int64_t k,
                int64_t n, std::vector<double> &c, std::vector<double> &bound) {
  c.assign(m * n, 0.0);
  bound.assign(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) {
        c[i * n + j] += a[i * k + p] * b[p * n + j];
        bound[i * n + j] += std::fabs(a[i * k + p] * b[p * n + j]);
      }
}

double matmul_tol(int32_t dt, double bound) {
  // f32 GEMM accumulates in float (blocked, maybe FMA): error well under k * 2^-24 * bound.
  return (dt == NB_DTYPE_F32 ? 2e-5 : 1e-12) * std::max(1.0, bound);
}

// a_shape/b_shape are [m, k]/[k, n], or 1-D [k] for a vector operand as in torch.matmul:
// [k] @ [k, n] -> [n], [m, k] @ [k] -> [m], [k] @ [k] -> [].
void check_matmul(const Shape &sa, const Shape &sb, int32_t dt, bool ta, bool tb,
                  std::mt19937 &rng) {
  std::string what = shape_str(sa) + " @ " + shape_str(sb) + " dtype " + std::to_string(dt) +
                     (ta ? " a transposed" : "") + (tb ? " b transposed" : "");
  SCOPED_TRACE(what);
  int64_t m = sa.size() == 2 ? sa[0] : 1, k = sa.back();
  int64_t n = sb.size() == 2 ? sb[1] : 1;
  ASSERT_EQ(sb[0], k);
  std::vector<double> va = rounded(random_values(rng, numel_of(sa)), dt);
  std::vector<double> vb = rounded(random_values(rng, numel_of(sb)), dt);
  Tensor a = ta ? strided_from_vector(va, sa, dt) : from_vector(va, sa, dt);
  Tensor b = tb ? strided_from_vector(vb, sb, dt) : from_vector(vb, sb, dt);
  ASSERT_TRUE(a && b);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
  Tensor c(raw);

  Shape want_shape;
  if (sa.size() == 2) want_shape.push_back(m);
  if (sb.size() == 2) want_shape.push_back(n);
  ASSERT_EQ(shape_of(c.get()), want_shape);
  ASSERT_EQ(nb_tensor_dtype(c.get()), dt);

  std::vector<double> want, bound;
  matmul_ref(va, vb, m, k, n, want, bound);  // a 1-D operand is a [1, k] or [k, 1] matrix
  std::vector<double> got = to_vector(c.get());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], matmul_tol(dt, bound[i])) << "output " << i;
  EXPECT_EQ(to_vector(a.get()), va) << "a is borrowed";
  EXPECT_EQ(to_vector(b.get()), vb) << "b is borrowed";
}

TEST(Matmul, HandChecked) {
  // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({5, 6, 7, 8}, {2, 2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
  Tensor c(raw);
  EXPECT_EQ(to_vector(c.get()), (std::vector<double>{19, 22, 43, 50}));
}

TEST(Matmul, Random2DSizesAndLayouts) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int64_t> size(1, 70);
  std::vector<std::array<int64_t, 3>> mkn = {{1, 1, 1}, {1, 7, 1}, {7, 1, 33}, {33, 7, 1},
                                             {64, 64, 64}, {128, 257, 65}};
  for (int i = 0; i < 12; ++i) mkn.push_back({size(rng), size(rng), size(rng)});
  for (const auto &[m, k, n] : mkn)
    for (int32_t dt : kFloatTypes)
      for (bool ta : {false, true})
        for (bool tb : {false, true}) check_matmul({m, k}, {k, n}, dt, ta, tb, rng);
}

// Products of 2^21 multiply-adds and more run on several OpenBLAS threads (kernels/blas.h), smaller
// ones on one: every transpose, odd sizes, at 2 and 3 threads, against the naive loop.
TEST(Matmul, LargeProductsOnSeveralThreads) {
  std::mt19937 rng(8);
  const std::vector<std::array<int64_t, 3>> mkn = {{133, 150, 141}, {40, 301, 250}, {301, 33, 217}, {17, 2000, 97}};
  for (int32_t threads : {2, 3}) {
    NB_ASSERT_OK(nb_set_num_threads(threads));
    for (const auto &[m, k, n] : mkn)
      for (int32_t dt : kFloatTypes)
        for (bool ta : {false, true})
          for (bool tb : {false, true}) check_matmul({m, k}, {k, n}, dt, ta, tb, rng);
  }
  NB_ASSERT_OK(nb_set_num_threads(2));
}

// A product's output comes from the storage cache unfilled (GEMM with beta = 0 must not read it):
// each case first frees a NaN-filled tensor of the output's size, so the product gets that buffer
// back, and must still come out right. Matrix results, vector results (the GEMV shapes) and batches.
TEST(Matmul, OutputsNeverReadWhatCachedStorageHeld) {
  std::mt19937 rng(12);
  struct Case {
    Shape sa, sb, out;
  };
  const Case cases[] = {{{40, 30}, {30, 50}, {40, 50}},   {{1, 30}, {30, 50}, {1, 50}},
                        {{40, 30}, {30, 1}, {40, 1}},     {{30}, {30, 50}, {50}},
                        {{40, 30}, {30}, {40}},           {{3, 40, 30}, {3, 30, 50}, {3, 40, 50}},
                        {{3, 1, 30}, {3, 30, 50}, {3, 1, 50}}, {{3, 40, 30}, {3, 30, 1}, {3, 40, 1}}};
  for (int32_t dt : kFloatTypes)
    for (const Case &c : cases) {
      SCOPED_TRACE(shape_str(c.sa) + " @ " + shape_str(c.sb) + " dtype " + std::to_string(dt));
      { Tensor poison = full(c.out, std::nan(""), dt); }
      std::vector<double> va = rounded(random_values(rng, numel_of(c.sa)), dt);
      std::vector<double> vb = rounded(random_values(rng, numel_of(c.sb)), dt);
      Tensor a = from_vector(va, c.sa, dt), b = from_vector(vb, c.sb, dt);
      nb_tensor *raw = nullptr;
      NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
      Tensor out(raw);
      ASSERT_EQ(shape_of(out.get()), c.out);
      // Batch by batch against the naive loop ([k] operands as [1, k] / [k, 1] matrices).
      const int64_t batch = c.sa.size() == 3 ? c.sa[0] : 1;
      const int64_t m = c.sa.size() >= 2 ? c.sa[c.sa.size() - 2] : 1, k = c.sa.back();
      const int64_t n = c.sb.size() >= 2 ? c.sb.back() : 1;
      std::vector<double> got = to_vector(out.get());
      for (int64_t bi = 0; bi < batch; ++bi) {
        std::vector<double> pa(va.begin() + bi * m * k, va.begin() + (bi + 1) * m * k);
        std::vector<double> pb(vb.begin() + bi * k * n, vb.begin() + (bi + 1) * k * n);
        std::vector<double> want, bound;
        matmul_ref(pa, pb, m, k, n, want, bound);
        for (int64_t i = 0; i < m * n; ++i)
          ASSERT_NEAR(got[static_cast<size_t>(bi * m * n + i)], want[static_cast<size_t>(i)],
                      matmul_tol(dt, bound[static_cast<size_t>(i)]))
              << "batch " << bi << " output " << i;
      }
    }
}

TEST(Matmul, OneDimensionalOperands) {
  std::mt19937 rng(4);
  for (int32_t dt : kFloatTypes)
    for (int64_t k : {1, 7, 33, 1000}) {
      check_matmul({k}, {k, 5}, dt, false, false, rng);  // vector @ matrix -> [5]
      check_matmul({k}, {k, 5}, dt, false, true, rng);
      check_matmul({3, k}, {k}, dt, false, false, rng);  // matrix @ vector -> [3]
      check_matmul({3, k}, {k}, dt, true, false, rng);
      check_matmul({k}, {k}, dt, false, false, rng);     // dot product -> 0-dim
    }
}

TEST(Matmul, ExpandedOperands) {
  // Stride-0 operands cannot go to GEMM as they are: [4, 3] expanded from [1, 3], and its
  // transpose [3, 4] with strides [1, 0].
  Tensor a0 = from_vector({1, 2, 3}, {1, 3});
  Shape s{4, 3};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, a0.get(), s.data(), 2, &raw));
  Tensor a(raw);
  NB_ASSERT_OK(nb_tensor_transpose(0, a.get(), 0, 1, &raw));
  Tensor at(raw);
  Tensor b = from_vector({1, 0, 0, 1, 1, 1}, {3, 2});
  NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
  Tensor c(raw);
  // Each row is {1, 2, 3} @ [[1, 0], [0, 1], [1, 1]] = {4, 5}.
  EXPECT_EQ(to_vector(c.get()), (std::vector<double>{4, 5, 4, 5, 4, 5, 4, 5}));
  Tensor d = from_vector({1, 1, 1, 2, 2, 2}, {2, 3});
  NB_ASSERT_OK(nb_tensor_matmul(0, d.get(), at.get(), &raw));
  Tensor e(raw);
  // Row r of d times column j of a^T, which is {1, 2, 3}: 6 and 12.
  EXPECT_EQ(to_vector(e.get()), (std::vector<double>{6, 6, 6, 6, 12, 12, 12, 12}));
}

TEST(Matmul, ZeroInnerDimensionGivesZeros) {
  // An empty sum is 0, as torch.matmul gives for [2, 0] @ [0, 3].
  Tensor a = full({2, 0}, 1.0), b = full({0, 3}, 1.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
  Tensor c(raw);
  EXPECT_EQ(shape_of(c.get()), (Shape{2, 3}));
  EXPECT_EQ(to_vector(c.get()), std::vector<double>(6, 0.0));
}

TEST(Matmul, InnerDimensionMismatchNamesBothShapes) {
  Tensor a = full({2, 3}, 1.0), b = full({4, 5}, 1.0);
  nb_tensor *out = nullptr;
  std::string msg = expect_error(nb_tensor_matmul(0, a.get(), b.get(), &out), NB_ERR_SHAPE);
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4, 5]"), std::string::npos) << msg;
  EXPECT_EQ(out, nullptr);

  Tensor u = full({3}, 1.0), v = full({4}, 1.0);
  msg = expect_error(nb_tensor_matmul(0, u.get(), v.get(), &out), NB_ERR_SHAPE);
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
}

}  // namespace
