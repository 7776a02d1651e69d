// Elementwise kernels vs naive loops: binary ops with broadcasting (random shapes, size-1 dims,
// different ranks, strided inputs), the scalar forms, neg and pow_scalar, in f32 and f64, at sizes
// that leave vector-loop tails (1, 7, 33, 1000), plus the broadcasting error and in-place forms.
#include <functional>

#include "test_util.h"

using namespace nbtest;

namespace {

using BinaryFn = nb_status *(*)(int32_t, const nb_tensor *, const nb_tensor *, nb_tensor **);

struct BinaryOp {
  const char *name;
  BinaryFn fn;
  double (*ref)(double, double);
};

const BinaryOp kBinaryOps[] = {
    {"add", nb_tensor_add, [](double a, double b) { return a + b; }},
    {"sub", nb_tensor_sub, [](double a, double b) { return a - b; }},
    {"mul", nb_tensor_mul, [](double a, double b) { return a * b; }},
    {"div", nb_tensor_div, [](double a, double b) { return a / b; }},
};

const int32_t kFloatTypes[] = {NB_DTYPE_F32, NB_DTYPE_F64};

// Runs op on a (shape sa) and b (shape sb) and compares with a loop over the broadcast shape.
// la and lb pick the storage layout of a and b (transposed and reversed are non-contiguous).
void check_binary(const BinaryOp &op, const Shape &sa, const Shape &sb, int32_t dt, Layout la,
                  Layout lb, std::mt19937 &rng) {
  std::string what = std::string(op.name) + " " + shape_str(sa) + " " + layout_name(la) + ", " +
                     shape_str(sb) + " " + layout_name(lb) + ", dtype " + std::to_string(dt);
  SCOPED_TRACE(what);
  std::vector<double> va = rounded(random_values(rng, numel_of(sa), -2, 2), dt);
  // Keep divisors away from 0 so f32 relative error stays meaningful.
  std::vector<double> vb = rounded(random_nonzero(rng, numel_of(sb)), dt);
  Tensor a = make_tensor(va, sa, dt, la);
  Tensor b = make_tensor(vb, sb, dt, lb);
  ASSERT_TRUE(a && b);

  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(op.fn(0, a.get(), b.get(), &raw));
  Tensor out(raw);
  Shape so = broadcast_shape(sa, sb);
  ASSERT_EQ(shape_of(out.get()), so);
  ASSERT_EQ(nb_tensor_dtype(out.get()), dt);

  std::vector<double> want(static_cast<size_t>(numel_of(so)));
  for (int64_t i = 0; i < numel_of(so); ++i) {
    Shape idx = unravel(i, so);
    want[i] = op.ref(va[broadcast_index(idx, sa)], vb[broadcast_index(idx, sb)]);
  }
  expect_values_near(to_vector(out.get()), want, dt, what);
  // Inputs are borrowed and must be unchanged.
  EXPECT_EQ(to_vector(a.get()), va);
  EXPECT_EQ(to_vector(b.get()), vb);
}

// A random output shape of rank 0..4, and two operand shapes that broadcast to it: each operand
// may drop leading dims and may have any dim set to 1.
std::pair<Shape, Shape> random_broadcast_pair(std::mt19937 &rng) {
  std::uniform_int_distribution<int> rank(0, 4), size(1, 5), coin(0, 2);
  Shape out(static_cast<size_t>(rank(rng)));
  for (int64_t &d : out) d = size(rng);
  auto operand = [&]() {
    std::uniform_int_distribution<size_t> drop(0, out.size());
    Shape s(out.begin() + static_cast<std::ptrdiff_t>(drop(rng)), out.end());
    for (int64_t &d : s)
      if (coin(rng) == 0) d = 1;
    return s;
  };
  Shape a = operand(), b = operand();
  if (std::uniform_int_distribution<int>(0, 1)(rng)) std::swap(a, b);
  return {a, b};
}

TEST(Binary, RandomBroadcastShapes) {
  std::mt19937 rng(2024);
  for (int iter = 0; iter < 60; ++iter) {
    auto [sa, sb] = random_broadcast_pair(rng);
    for (const BinaryOp &op : kBinaryOps)
      for (int32_t dt : kFloatTypes)
        for (Layout la : kLayouts)
          for (Layout lb : kLayouts) check_binary(op, sa, sb, dt, la, lb, rng);
  }
}

TEST(Binary, HandPickedBroadcasts) {
  std::mt19937 rng(5);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3}, {3}},           // row vector over rows
      {{4, 1}, {1, 5}},        // outer-product style
      {{33, 1}, {1, 7}},       // odd sizes on both sides
      {{}, {2, 3}},            // a 0-dim scalar tensor
      {{2, 3}, {}},            //
      {{1}, {1000}},           // size-1 against a long dim
      {{2, 1, 3}, {4, 1}},     // different ranks, size 1 in the middle
      {{3, 1, 7}, {1, 33, 1}}, // all three dims broadcast
      {{1, 1}, {1}},           // everything size 1
  };
  for (const auto &[sa, sb] : cases)
    for (const BinaryOp &op : kBinaryOps)
      for (int32_t dt : kFloatTypes)
        for (Layout la : kLayouts)
          for (Layout lb : kLayouts) check_binary(op, sa, sb, dt, la, lb, rng);
}

TEST(Binary, OddSizesSameShape) {
  std::mt19937 rng(11);
  for (int64_t n : {1, 7, 33, 1000})
    for (const BinaryOp &op : kBinaryOps)
      for (int32_t dt : kFloatTypes) {
        check_binary(op, {n}, {n}, dt, Layout::Contiguous, Layout::Contiguous, rng);
        check_binary(op, {n, 3}, {n, 3}, dt, Layout::Transposed, Layout::Transposed, rng);
        check_binary(op, {n, 3}, {n, 3}, dt, Layout::Contiguous, Layout::Transposed, rng);
      }
}

TEST(Binary, MismatchNamesBothShapes) {
  for (const BinaryOp &op : kBinaryOps) {
    Tensor a = full({2, 3}, 1.0), b = full({4}, 1.0);
    nb_tensor *out = nullptr;
    std::string msg = expect_error(op.fn(0, a.get(), b.get(), &out), NB_ERR_SHAPE);
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << op.name << ": " << msg;
    EXPECT_NE(msg.find("[4]"), std::string::npos) << op.name << ": " << msg;
    EXPECT_EQ(out, nullptr) << "*out is written only on success";
  }
}

TEST(Binary, MixedFloatTypesPromoteToF64) {
  // As torch's type promotion: float32 op float64 gives float64, whichever side is which.
  Tensor a = from_vector({0.1, 2}, {2}, NB_DTYPE_F32), b = from_vector({0.1, 4}, {2}, NB_DTYPE_F64);
  for (const BinaryOp &op : kBinaryOps) {
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(op.fn(0, a.get(), b.get(), &raw));
    Tensor ab(raw);
    NB_ASSERT_OK(op.fn(0, b.get(), a.get(), &raw));
    Tensor ba(raw);
    EXPECT_EQ(nb_tensor_dtype(ab.get()), NB_DTYPE_F64) << op.name;
    EXPECT_EQ(nb_tensor_dtype(ba.get()), NB_DTYPE_F64) << op.name;
    double a0 = static_cast<float>(0.1);  // the f32 operand keeps its rounding
    EXPECT_EQ(to_vector(ab.get())[0], op.ref(a0, 0.1)) << op.name;
    EXPECT_EQ(to_vector(ba.get())[0], op.ref(0.1, a0)) << op.name;
  }
}

TEST(Binary, ExpandedOperands) {
  // Stride-0 inputs: a [4, 3] expanded from [1, 3], b [4, 3] expanded from [4, 1].
  for (const BinaryOp &op : kBinaryOps) {
    Tensor a0 = from_vector({1, 2, 3}, {1, 3}), b0 = from_vector({1, -2, 4, 0.5}, {4, 1});
    Shape s{4, 3};
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_expand(0, a0.get(), s.data(), 2, &raw));
    Tensor a(raw);
    NB_ASSERT_OK(nb_tensor_expand(0, b0.get(), s.data(), 2, &raw));
    Tensor b(raw);
    NB_ASSERT_OK(op.fn(0, a.get(), b.get(), &raw));
    Tensor c(raw);
    std::vector<double> want, va = to_vector(a.get()), vb = to_vector(b.get());
    for (size_t i = 0; i < va.size(); ++i) want.push_back(op.ref(va[i], vb[i]));
    EXPECT_EQ(shape_of(c.get()), s);
    expect_values_near(to_vector(c.get()), want, NB_DTYPE_F64, op.name);
  }
}

// ---- scalar forms and unary ops ----

using UnaryFn = std::function<nb_status *(const nb_tensor *, nb_tensor **)>;
using ScalarFn = nb_status *(*)(int32_t, const nb_tensor *, double, nb_tensor **);

// op(a, s) with grad mode off, as a UnaryFn.
UnaryFn with_scalar(ScalarFn op, double s) {
  return [op, s](const nb_tensor *a, nb_tensor **o) { return op(0, a, s, o); };
}

void check_unary(const std::string &name, const UnaryFn &fn,
                 const std::function<double(double)> &ref, const std::vector<double> &vals,
                 const Shape &shape, int32_t dt, bool strided) {
  std::string what = name + " " + shape_str(shape) + " dtype " + std::to_string(dt) +
                     (strided ? " strided" : "");
  SCOPED_TRACE(what);
  std::vector<double> v = rounded(vals, dt);
  Tensor a = strided ? strided_from_vector(v, shape, dt) : from_vector(v, shape, dt);
  ASSERT_TRUE(a);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(fn(a.get(), &raw));
  Tensor out(raw);
  ASSERT_EQ(shape_of(out.get()), shape);
  ASSERT_EQ(nb_tensor_dtype(out.get()), dt);
  std::vector<double> want;
  for (double x : v) want.push_back(ref(x));
  expect_values_near(to_vector(out.get()), want, dt, what);
  EXPECT_EQ(to_vector(a.get()), v) << "input is borrowed";
}

struct UnaryCase {
  std::string name;
  UnaryFn fn;
  std::function<double(double)> ref;
  bool positive_only;  // the reference is only real for positive inputs
};

std::vector<UnaryCase> unary_cases() {
  std::vector<UnaryCase> cs;
  for (double s : {0.0, 2.5, -1.0}) {
    std::string tag = " " + std::to_string(s);
    cs.push_back({"add_scalar" + tag, with_scalar(nb_tensor_add_scalar, s),
                  [s](double x) { return x + s; }, false});
    cs.push_back({"mul_scalar" + tag, with_scalar(nb_tensor_mul_scalar, s),
                  [s](double x) { return x * s; }, false});
    cs.push_back({"rsub_scalar" + tag, with_scalar(nb_tensor_rsub_scalar, s),
                  [s](double x) { return s - x; }, false});
    cs.push_back({"rdiv_scalar" + tag, with_scalar(nb_tensor_rdiv_scalar, s),
                  [s](double x) { return s / x; }, false});
  }
  cs.push_back({"neg", [](const nb_tensor *a, nb_tensor **o) { return nb_tensor_neg(0, a, o); },
                [](double x) { return -x; }, false});
  // Integer exponents are real for negative bases; fractional ones only for positive bases.
  for (double e : {0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 2.5, -1.5}) {
    cs.push_back({"pow_scalar " + std::to_string(e), with_scalar(nb_tensor_pow_scalar, e),
                  [e](double x) { return std::pow(x, e); }, e != std::floor(e)});
  }
  return cs;
}

TEST(Unary, ScalarFormsNegAndPowVsLoops) {
  std::mt19937 rng(3);
  const std::vector<Shape> shapes = {{}, {1}, {7}, {33}, {1000}, {3, 5}, {2, 1, 4}, {33, 7}};
  for (const UnaryCase &c : unary_cases())
    for (const Shape &shape : shapes)
      for (int32_t dt : kFloatTypes)
        for (bool strided : {false, true}) {
          if (strided && shape.size() < 2) continue;
          int64_t n = numel_of(shape);
          std::vector<double> v =
              c.positive_only ? random_values(rng, n, 0.5, 2.0) : random_nonzero(rng, n, 0.5, 2.0);
          check_unary(c.name, c.fn, c.ref, v, shape, dt, strided);
        }
}

TEST(Unary, HandCheckedValues) {
  Tensor a = from_vector({1, -2, 4}, {3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_rsub_scalar(0, a.get(), 10, &raw));  // 10 - a
  Tensor r(raw);
  EXPECT_EQ(to_vector(r.get()), (std::vector<double>{9, 12, 6}));
  NB_ASSERT_OK(nb_tensor_rdiv_scalar(0, a.get(), 8, &raw));  // 8 / a
  Tensor d(raw);
  EXPECT_EQ(to_vector(d.get()), (std::vector<double>{8, -4, 2}));
  NB_ASSERT_OK(nb_tensor_pow_scalar(0, a.get(), 3, &raw));
  Tensor p(raw);
  EXPECT_EQ(to_vector(p.get()), (std::vector<double>{1, -8, 64}));
}

TEST(Unary, DivisionByZeroFollowsIeee) {
  // As in PyTorch: no error, IEEE results (1/0 = inf, -1/0 = -inf, 0/0 = nan).
  Tensor a = from_vector({1, -1, 0}, {3}, NB_DTYPE_F32);
  Tensor z = full({3}, 0.0, NB_DTYPE_F32);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_div(0, a.get(), z.get(), &raw));
  Tensor q(raw);
  std::vector<double> v = to_vector(q.get());
  EXPECT_EQ(v[0], INFINITY);
  EXPECT_EQ(v[1], -INFINITY);
  EXPECT_TRUE(std::isnan(v[2]));
}

// ---- in-place forms broadcast their right operand into a ----

TEST(InPlace, BroadcastsIntoStridedDestination) {
  std::mt19937 rng(9);
  for (int32_t dt : kFloatTypes) {
    Shape sa{4, 3}, sb{3};
    std::vector<double> va = rounded(random_values(rng, 12), dt);
    std::vector<double> vb = rounded(random_nonzero(rng, 3), dt);
    Tensor b = from_vector(vb, sb, dt);
    struct Case {
      const char *name;
      std::function<nb_status *(nb_tensor *)> fn;
      std::function<double(double, double)> ref;
    };
    const std::vector<Case> cases = {
        {"add_", [&](nb_tensor *a) { return nb_tensor_add_(0, a, b.get()); },
         [](double x, double y) { return x + y; }},
        {"sub_", [&](nb_tensor *a) { return nb_tensor_sub_(0, a, b.get()); },
         [](double x, double y) { return x - y; }},
        {"mul_", [&](nb_tensor *a) { return nb_tensor_mul_(0, a, b.get()); },
         [](double x, double y) { return x * y; }},
        {"add_scaled_", [&](nb_tensor *a) { return nb_tensor_add_scaled_(0, a, b.get(), -0.5); },
         [](double x, double y) { return x - 0.5 * y; }},
        {"copy_", [&](nb_tensor *a) { return nb_tensor_copy_(0, a, b.get()); },
         [](double, double y) { return y; }},
    };
    for (const Case &c : cases)
      for (bool strided : {false, true}) {
        SCOPED_TRACE(std::string(c.name) + (strided ? " strided" : "") + " dtype " +
                     std::to_string(dt));
        Tensor a = strided ? strided_from_vector(va, sa, dt) : from_vector(va, sa, dt);
        intptr_t addr = nb_tensor_data(a.get());
        NB_ASSERT_OK(c.fn(a.get()));
        EXPECT_EQ(nb_tensor_data(a.get()), addr) << "in place";
        std::vector<double> want;
        for (int64_t i = 0; i < 12; ++i) want.push_back(c.ref(va[i], vb[i % 3]));
        expect_values_near(to_vector(a.get()), want, dt, c.name);
      }
  }
}

TEST(InPlace, FullOverlapWithItself) {
  // a += a reads and writes the same element each time: fine, as in torch.
  Tensor a = from_vector({1, 2, 3}, {3});
  NB_ASSERT_OK(nb_tensor_add_(0, a.get(), a.get()));
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{2, 4, 6}));
  NB_ASSERT_OK(nb_tensor_mul_(0, a.get(), a.get()));
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{4, 16, 36}));
}

TEST(InPlace, PartialOverlapIsRefusedOrComputedAsIfCopied) {
  // a += a^T for a square a: element (1, 0) reads a(0, 1), which the loop may already have
  // written. torch refuses: "unsupported operation: some elements of the input tensor and the
  // written-to tensor refer to a single memory location. Please clone() the tensor before
  // performing the operation." Refusing, or giving the result of a += clone(a^T), are both fine;
  // a silently wrong result is not.
  for (int64_t n : {2, 33}) {
    std::vector<double> v(static_cast<size_t>(n * n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
    Tensor a = from_vector(v, {n, n});
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_transpose(0, a.get(), 0, 1, &raw));
    Tensor at(raw);
    nb_status *st = nb_tensor_add_(0, a.get(), at.get());
    if (st) {
      std::string msg = take_message(st);
      EXPECT_TRUE(msg.find("single memory location") != std::string::npos) << msg;
      EXPECT_EQ(to_vector(a.get()), v) << "a refused op writes nothing";
      continue;
    }
    std::vector<double> want(v.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) want[i * n + j] = v[i * n + j] + v[j * n + i];
    EXPECT_EQ(to_vector(a.get()), want) << "n = " << n;
  }
}

TEST(InPlace, ScalarFormsAndFill) {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6, 7}, {7}, NB_DTYPE_F32);
  NB_ASSERT_OK(nb_tensor_add_scalar_(0, a.get(), 1));  // 2 .. 8
  NB_ASSERT_OK(nb_tensor_mul_scalar_(0, a.get(), 0.5));  // 1 .. 4
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{1, 1.5, 2, 2.5, 3, 3.5, 4}));
  NB_ASSERT_OK(nb_tensor_fill_(0, a.get(), -1));
  EXPECT_EQ(to_vector(a.get()), std::vector<double>(7, -1));
}

TEST(InPlace, CopyConvertsDtype) {
  Tensor dst = full({2, 2}, 0.0, NB_DTYPE_F32);
  Tensor src = from_vector({0.1, 0.2, 0.3, 0.4}, {2, 2}, NB_DTYPE_F64);
  NB_ASSERT_OK(nb_tensor_copy_(0, dst.get(), src.get()));
  EXPECT_EQ(to_vector(dst.get()), rounded({0.1, 0.2, 0.3, 0.4}, NB_DTYPE_F32));
}

TEST(InPlace, CannotBroadcastTheDestination) {
  // a += b must keep a's shape: [3] += [2, 3] would need a [2, 3] result.
  Tensor a = full({3}, 0.0), b = full({2, 3}, 1.0);
  std::string msg = expect_error(nb_tensor_add_(0, a.get(), b.get()), NB_ERR_SHAPE);
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
}

}  // namespace
