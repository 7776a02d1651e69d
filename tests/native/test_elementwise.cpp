// The elementwise family (ops/unary.cpp, ops/binary.cpp, ops/compare.cpp, ops/scalar.cpp) against
// naive loops: odd sizes, transposed/reversed/broadcast inputs, float32 and float64, NaN/inf, the
// int64/bool dtypes and type promotion. Ops are called by name through nb_op_call.
#include <cmath>
#include <functional>
#include <limits>

#include "test_util.h"

using namespace nbtest;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Calls op `name`; fails the test on an error.
Tensor call(const char *name, std::vector<const nb_tensor *> in, std::vector<double> f = {},
            std::vector<int64_t> i = {}, int32_t flags = 0) {
  int32_t id = nb_op_find(name);
  EXPECT_GE(id, 0) << name;
  nb_tensor *out = nullptr;
  int32_t n = 0;
  nb_status *s = nb_op_call(flags, id, in.data(), static_cast<int32_t>(in.size()), f.data(),
                            static_cast<int32_t>(f.size()), i.data(), static_cast<int32_t>(i.size()),
                            &out, 1, &n);
  if (s) {
    ADD_FAILURE() << name << ": " << take_message(s);
    return nullptr;
  }
  EXPECT_EQ(n, 1);
  return Tensor(out);
}

// The error message of a call expected to fail.
std::string call_error(const char *name, std::vector<const nb_tensor *> in, std::vector<double> f = {},
                       std::vector<int64_t> i = {}) {
  nb_tensor *out = nullptr;
  int32_t n = 0;
  return expect_any_error(nb_op_call(0, nb_op_find(name), in.data(), static_cast<int32_t>(in.size()),
                                     f.data(), static_cast<int32_t>(f.size()), i.data(),
                                     static_cast<int32_t>(i.size()), &out, 1, &n));
}

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct UnaryCase {
  const char *name;
  std::function<double(double)> ref;
  double lo, hi;  // input range
  std::vector<double> f;
  std::vector<int64_t> i;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"exp", [](double x) { return std::exp(x); }, -3, 3, {}, {}},
      {"log", [](double x) { return std::log(x); }, 0.1, 4, {}, {}},
      {"log1p", [](double x) { return std::log1p(x); }, -0.9, 4, {}, {}},
      {"sqrt", [](double x) { return std::sqrt(x); }, 0.1, 4, {}, {}},
      {"rsqrt", [](double x) { return 1 / std::sqrt(x); }, 0.1, 4, {}, {}},
      {"abs", [](double x) { return std::fabs(x); }, -2, 2, {}, {}},
      {"sign", [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }, -2, 2, {}, {}},
      {"sin", [](double x) { return std::sin(x); }, -3, 3, {}, {}},
      {"cos", [](double x) { return std::cos(x); }, -3, 3, {}, {}},
      {"tanh", [](double x) { return std::tanh(x); }, -3, 3, {}, {}},
      {"sigmoid", sigmoid_ref, -5, 5, {}, {}},
      {"erf", [](double x) { return std::erf(x); }, -2, 2, {}, {}},
      {"relu", [](double x) { return x > 0 ? x : 0.0; }, -2, 2, {}, {}},
      {"leaky_relu", [](double x) { return x > 0 ? x : 0.2 * x; }, -2, 2, {0.2}, {}},
      {"elu", [](double x) { return x > 0 ? x : 1.5 * std::expm1(x); }, -2, 2, {1.5}, {}},
      {"gelu", [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, -3, 3, {}, {0}},
      {"gelu",
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); },
       -3, 3, {}, {1}},
      {"silu", [](double x) { return x * sigmoid_ref(x); }, -4, 4, {}, {}},
      {"softplus", [](double x) { return 2 * x > 3 ? x : std::log1p(std::exp(2 * x)) / 2; }, -3, 3, {2, 3}, {}},
      {"clamp", [](double x) { return std::min(std::max(x, -0.5), 0.7); }, -2, 2, {-0.5, 0.7}, {1, 1}},
      {"clamp", [](double x) { return std::max(x, -0.5); }, -2, 2, {-0.5, 0}, {1, 0}},
      {"clamp", [](double x) { return std::min(x, 0.7); }, -2, 2, {0, 0.7}, {0, 1}},
      {"reciprocal", [](double x) { return 1 / x; }, 0.5, 3, {}, {}},
      {"square", [](double x) { return x * x; }, -3, 3, {}, {}},
  };
}

}  // namespace

TEST(Unary, MatchesNaiveLoopsOnEveryLayoutAndDtype) {
  std::mt19937 rng(7);
  const Shape shapes[] = {{}, {1}, {7}, {3, 5}, {2, 3, 5}, {33, 17}};
  for (const auto &c : unary_cases()) {
    for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64}) {
      for (const Shape &shape : shapes) {
        for (Layout layout : kLayouts) {
          auto v = rounded(random_values(rng, numel_of(shape), c.lo, c.hi), dt);
          Tensor x = make_tensor(v, shape, dt, layout);
          Tensor y = call(c.name, {x.get()}, c.f, c.i);
          ASSERT_TRUE(y);
          EXPECT_EQ(nb_tensor_dtype(y.get()), dt);
          EXPECT_EQ(shape_of(y.get()), shape);
          std::vector<double> want;
          for (double xv : v) want.push_back(dt == NB_DTYPE_F32 ? static_cast<float>(c.ref(xv)) : c.ref(xv));
          std::vector<double> got = to_vector(y.get());
          ASSERT_EQ(got.size(), want.size());
          double rel = dt == NB_DTYPE_F32 ? 2e-6 : 1e-12;
          for (size_t k = 0; k < got.size(); ++k)
            EXPECT_NEAR(got[k], want[k], rel * std::max(1.0, std::fabs(want[k])))
                << c.name << " " << shape_str(shape) << " " << layout_name(layout) << " at " << k;
        }
      }
    }
  }
}

TEST(Unary, NaNAndInfinityAsPyTorch) {
  Tensor x = from_vector({kNaN, kInf, -kInf, 0.0}, {4});
  auto run = [&](const char *name, std::vector<double> f = {}, std::vector<int64_t> i = {}) {
    Tensor y = call(name, {x.get()}, f, i);
    return to_vector(y.get());
  };
  auto e = run("exp");
  EXPECT_TRUE(std::isnan(e[0]));
  EXPECT_EQ(e[1], kInf);
  EXPECT_EQ(e[2], 0.0);
  auto l = run("log");
  EXPECT_TRUE(std::isnan(l[0]));
  EXPECT_EQ(l[1], kInf);
  EXPECT_TRUE(std::isnan(l[2]));  // log of a negative number
  EXPECT_EQ(l[3], -kInf);
  auto s = run("sigmoid");
  EXPECT_TRUE(std::isnan(s[0]));
  EXPECT_EQ(s[1], 1.0);
  EXPECT_EQ(s[2], 0.0);
  auto r = run("relu");
  EXPECT_TRUE(std::isnan(r[0]));  // relu keeps NaN, as torch.relu
  EXPECT_EQ(r[1], kInf);
  EXPECT_EQ(r[2], 0.0);
  auto sg = run("sign");
  EXPECT_EQ(sg[0], 0.0);  // torch.sign(nan) == 0 (pytorch/pytorch#41245)
  EXPECT_EQ(sg[1], 1.0);
  EXPECT_EQ(sg[2], -1.0);
  auto c = run("clamp", {-1, 1}, {1, 1});
  EXPECT_TRUE(std::isnan(c[0]));
  EXPECT_EQ(c[1], 1.0);
  EXPECT_EQ(c[2], -1.0);
  auto sp = run("softplus");
  EXPECT_TRUE(std::isnan(sp[0]));
  EXPECT_EQ(sp[1], kInf);
  EXPECT_EQ(sp[2], 0.0);
  auto t = run("tanh");
  EXPECT_EQ(t[1], 1.0);
  EXPECT_EQ(t[2], -1.0);
  // A NaN bound gives NaN; min > max gives max everywhere.
  Tensor one = from_vector({0.5}, {1});
  EXPECT_TRUE(std::isnan(to_vector(call("clamp", {one.get()}, {kNaN, 0}, {1, 0}).get())[0]));
  EXPECT_EQ(to_vector(call("clamp", {one.get()}, {2, 1}, {1, 1}).get())[0], 1.0);
}

TEST(Unary, IntegerInputs) {
  Tensor i = from_vector({-3, 0, 2}, {3}, NB_DTYPE_I64);
  Tensor e = call("exp", {i.get()});
  EXPECT_EQ(nb_tensor_dtype(e.get()), NB_DTYPE_F32);  // torch.exp(int) is float32
  EXPECT_NEAR(to_vector(e.get())[2], std::exp(2.0), 1e-5);
  Tensor a = call("abs", {i.get()});
  EXPECT_EQ(nb_tensor_dtype(a.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{3, 0, 2}));
  Tensor r = call("relu", {i.get()});
  EXPECT_EQ(to_vector(r.get()), (std::vector<double>{0, 0, 2}));
  Tensor c = call("clamp", {i.get()}, {-1, 1}, {1, 1});
  EXPECT_EQ(nb_tensor_dtype(c.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(c.get()), (std::vector<double>{-1, 0, 1}));
  Tensor cf = call("clamp", {i.get()}, {-0.5, 0}, {1, 0});
  EXPECT_EQ(nb_tensor_dtype(cf.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(cf.get()), (std::vector<double>{-0.5, 0, 2}));
  EXPECT_NE(call_error("clamp", {i.get()}, {0, 0}, {0, 0}).find("clamp"), std::string::npos);
}

namespace {
struct BinCase {
  const char *name;
  std::function<double(double, double)> ref;
  double lo, hi;
};
}  // namespace

TEST(Binary, PowMaximumMinimumMatchNaiveLoopsWithBroadcasting) {
  std::mt19937 rng(11);
  const std::pair<Shape, Shape> pairs[] = {{{3, 5}, {3, 5}}, {{3, 5}, {5}}, {{4, 1, 3}, {2, 1}}, {{7}, {}},
                                           {{33, 17}, {33, 17}}};
  const BinCase cases[] = {
      {"pow", [](double a, double b) { return std::pow(a, b); }, 0.2, 2.5},
      {"maximum", [](double a, double b) { return std::max(a, b); }, -2, 2},
      {"minimum", [](double a, double b) { return std::min(a, b); }, -2, 2},
  };
  for (const auto &c : cases)
    for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
      for (const auto &p : pairs)
        for (Layout la : kLayouts) {
          Shape out = broadcast_shape(p.first, p.second);
          auto va = rounded(random_values(rng, numel_of(p.first), c.lo, c.hi), dt);
          auto vb = rounded(random_values(rng, numel_of(p.second), c.lo, c.hi), dt);
          Tensor a = make_tensor(va, p.first, dt, la), b = make_tensor(vb, p.second, dt, Layout::Contiguous);
          Tensor y = call(c.name, {a.get(), b.get()});
          ASSERT_TRUE(y);
          EXPECT_EQ(shape_of(y.get()), out);
          std::vector<double> want;
          for (int64_t k = 0; k < numel_of(out); ++k) {
            Shape idx = unravel(k, out);
            double r = c.ref(va[broadcast_index(idx, p.first)], vb[broadcast_index(idx, p.second)]);
            want.push_back(dt == NB_DTYPE_F32 ? static_cast<float>(r) : r);
          }
          expect_values_near(to_vector(y.get()), want, dt, std::string(c.name) + " " + layout_name(la));
        }
}

TEST(Binary, MaximumAndMinimumPropagateNaN) {
  Tensor a = from_vector({kNaN, 1, 2}, {3});
  Tensor b = from_vector({1, kNaN, -kInf}, {3});
  auto mx = to_vector(call("maximum", {a.get(), b.get()}).get());
  auto mn = to_vector(call("minimum", {a.get(), b.get()}).get());
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]) && std::isnan(mn[0]) && std::isnan(mn[1]));
  EXPECT_EQ(mx[2], 2.0);
  EXPECT_EQ(mn[2], -kInf);
}

TEST(Binary, PowEdgeCases) {
  Tensor a = from_vector({0, 0, -8, 2, kNaN, 1}, {6});
  Tensor b = from_vector({0, -1, 1.0 / 3, 0.5, 0, kNaN}, {6});
  auto p = to_vector(call("pow", {a.get(), b.get()}).get());
  EXPECT_EQ(p[0], 1.0);        // 0^0 = 1
  EXPECT_EQ(p[1], kInf);       // 0^-1 = inf
  EXPECT_TRUE(std::isnan(p[2]));  // negative base, fractional exponent
  EXPECT_NEAR(p[3], std::sqrt(2.0), 1e-15);
  EXPECT_EQ(p[4], 1.0);  // nan^0 = 1
  EXPECT_EQ(p[5], 1.0);  // 1^nan = 1
  Tensor ia = from_vector({2, -3, 5}, {3}, NB_DTYPE_I64);
  Tensor ib = from_vector({10, 3, 0}, {3}, NB_DTYPE_I64);
  Tensor ip = call("pow", {ia.get(), ib.get()});
  EXPECT_EQ(nb_tensor_dtype(ip.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(ip.get()), (std::vector<double>{1024, -27, 1}));
  Tensor neg = from_vector({-1}, {1}, NB_DTYPE_I64);
  EXPECT_NE(call_error("pow", {ia.get(), neg.get()}).find("negative integer powers"), std::string::npos);
}

TEST(Where, BroadcastsAllThreeAndPromotes) {
  Tensor m = from_vector({1, 0, 1}, {3, 1}, NB_DTYPE_BOOL);
  Tensor a = from_vector({1, 2}, {1, 2}, NB_DTYPE_F32);
  Tensor b = from_vector({-1}, {}, NB_DTYPE_F64);  // 0-dim: float32 wins (same category)
  Tensor y = call("where", {m.get(), a.get(), b.get()});
  EXPECT_EQ(nb_tensor_dtype(y.get()), NB_DTYPE_F32);
  EXPECT_EQ(shape_of(y.get()), (Shape{3, 2}));
  EXPECT_EQ(to_vector(y.get()), (std::vector<double>{1, 2, -1, -1, 1, 2}));
  Tensor fm = from_vector({1}, {1});
  EXPECT_NE(call_error("where", {fm.get(), a.get(), b.get()}).find("boolean"), std::string::npos);
  Tensor bad = from_vector({1, 0, 1, 1}, {4}, NB_DTYPE_BOOL);
  std::string msg = call_error("where", {bad.get(), a.get(), b.get()});
  EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1, 2]"), std::string::npos) << msg;
}

TEST(Compare, TensorTensorAndScalarWithNaN) {
  std::mt19937 rng(5);
  const char *names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  auto ref = [](int k, double x, double y) {
    switch (k) {
      case 0: return x == y;
      case 1: return x != y;
      case 2: return x < y;
      case 3: return x <= y;
      case 4: return x > y;
      default: return x >= y;
    }
  };
  for (int k = 0; k < 6; ++k)
    for (Layout la : kLayouts) {
      // Small integers so that ties happen; a NaN in each operand.
      std::vector<double> va, vb;
      for (double v : random_values(rng, 15, -2, 2)) va.push_back(std::round(v));
      for (double v : random_values(rng, 5, -2, 2)) vb.push_back(std::round(v));
      va[3] = kNaN;
      vb[1] = kNaN;
      Tensor a = make_tensor(va, {3, 5}, NB_DTYPE_F32, la), b = from_vector(vb, {5}, NB_DTYPE_F64);
      Tensor y = call(names[k], {a.get(), b.get()});
      ASSERT_TRUE(y);
      EXPECT_EQ(nb_tensor_dtype(y.get()), NB_DTYPE_BOOL);
      auto got = to_vector(y.get());
      for (int i = 0; i < 15; ++i) EXPECT_EQ(got[i], ref(k, va[i], vb[i % 5]) ? 1.0 : 0.0) << names[k] << " " << i;
      std::string sn = std::string(names[k]) + "_scalar";
      Tensor ys = call(sn.c_str(), {a.get()}, {1.0});
      auto gs = to_vector(ys.get());
      for (int i = 0; i < 15; ++i) EXPECT_EQ(gs[i], ref(k, va[i], 1.0) ? 1.0 : 0.0) << sn << " " << i;
    }
  // int64 against a fractional number compares exactly (2 < 2.5).
  Tensor i = from_vector({2, 3}, {2}, NB_DTYPE_I64);
  EXPECT_EQ(to_vector(call("lt_scalar", {i.get()}, {2.5}).get()), (std::vector<double>{1, 0}));
  Tensor x = from_vector({1, 2}, {2});
  Tensor z = from_vector({1, 2, 3}, {3});
  std::string msg = call_error("eq", {x.get(), z.get()});
  EXPECT_NE(msg.find("[2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
}

TEST(Logical, TruthinessOfEveryDtype) {
  Tensor a = from_vector({0, 1, kNaN, -2}, {4});
  Tensor b = from_vector({0, 0, 1, 5}, {4}, NB_DTYPE_I64);
  Tensor m = from_vector({1, 0}, {2, 1}, NB_DTYPE_BOOL);
  EXPECT_EQ(to_vector(call("logical_and", {a.get(), b.get()}).get()), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(to_vector(call("logical_or", {a.get(), b.get()}).get()), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(to_vector(call("logical_xor", {a.get(), b.get()}).get()), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(to_vector(call("logical_not", {a.get()}).get()), (std::vector<double>{1, 0, 0, 0}));
  Tensor y = call("logical_and", {m.get(), b.get()});
  EXPECT_EQ(shape_of(y.get()), (Shape{2, 4}));
  EXPECT_EQ(to_vector(y.get()), (std::vector<double>{0, 0, 1, 1, 0, 0, 0, 0}));
}

TEST(Dtypes, ConversionsBetweenAllFour) {
  const int32_t dts[] = {NB_DTYPE_F32, NB_DTYPE_F64, NB_DTYPE_I64, NB_DTYPE_BOOL};
  std::vector<double> v = {-2.75, 0, 1, 3.5};
  for (int32_t from : dts)
    for (int32_t to : dts) {
      Tensor x = from_vector(v, {4}, from);  // stored as `from` holds them
      std::vector<double> held = to_vector(x.get());
      nb_tensor *raw = nullptr;
      NB_ASSERT_OK(nb_tensor_to_dtype(0, x.get(), to, &raw));
      Tensor y(raw);
      EXPECT_EQ(nb_tensor_dtype(y.get()), to);
      auto got = to_vector(y.get());
      for (size_t k = 0; k < held.size(); ++k) {
        double want = to == NB_DTYPE_BOOL ? (held[k] != 0) : to == NB_DTYPE_I64 ? std::trunc(held[k]) : held[k];
        EXPECT_EQ(got[k], want) << from << " -> " << to << " at " << k;
      }
    }
}

TEST(Dtypes, Int64ArithmeticAndPromotion) {
  Tensor a = from_vector({7, -7, 3}, {3}, NB_DTYPE_I64);
  Tensor b = from_vector({2, 2, 3}, {3}, NB_DTYPE_I64);
  auto binop = [](nb_status *(*f)(int32_t, const nb_tensor *, const nb_tensor *, nb_tensor **),
                  const Tensor &x, const Tensor &y) {
    nb_tensor *raw = nullptr;
    EXPECT_EQ(f(0, x.get(), y.get(), &raw), nullptr);
    return Tensor(raw);
  };
  Tensor s = binop(nb_tensor_add, a, b);
  EXPECT_EQ(nb_tensor_dtype(s.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(s.get()), (std::vector<double>{9, -5, 6}));
  Tensor d = binop(nb_tensor_sub, a, b);
  EXPECT_EQ(to_vector(d.get()), (std::vector<double>{5, -9, 0}));
  Tensor p = binop(nb_tensor_mul, a, b);
  EXPECT_EQ(nb_tensor_dtype(p.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(p.get()), (std::vector<double>{14, -14, 9}));
  Tensor q = binop(nb_tensor_div, a, b);  // true division, as torch.div
  EXPECT_EQ(nb_tensor_dtype(q.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(q.get()), (std::vector<double>{3.5, -3.5, 1}));
  // Promotion: int64 + float32 -> float32; float32 + float64 -> float64; bool + int64 -> int64.
  Tensor f = from_vector({0.5, 0.5, 0.5}, {3}, NB_DTYPE_F32);
  EXPECT_EQ(nb_tensor_dtype(binop(nb_tensor_add, a, f).get()), NB_DTYPE_F32);
  Tensor g = from_vector({0.5, 0.5, 0.5}, {3}, NB_DTYPE_F64);
  EXPECT_EQ(nb_tensor_dtype(binop(nb_tensor_add, f, g).get()), NB_DTYPE_F64);
  Tensor m = from_vector({1, 0, 1}, {3}, NB_DTYPE_BOOL);
  Tensor mb = binop(nb_tensor_add, m, a);
  EXPECT_EQ(nb_tensor_dtype(mb.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(mb.get()), (std::vector<double>{8, -7, 4}));
  // 0-dim operands decide only with a higher category.
  Tensor f64s = from_vector({1}, {}, NB_DTYPE_F64);
  EXPECT_EQ(nb_tensor_dtype(binop(nb_tensor_add, f, f64s).get()), NB_DTYPE_F32);
  EXPECT_EQ(nb_tensor_dtype(binop(nb_tensor_add, a, f64s).get()), NB_DTYPE_F64);
  // bool + bool stays bool (or); bool - bool is refused, as torch.
  Tensor mm = binop(nb_tensor_add, m, m);
  EXPECT_EQ(nb_tensor_dtype(mm.get()), NB_DTYPE_BOOL);
  nb_tensor *raw = nullptr;
  EXPECT_NE(expect_any_error(nb_tensor_sub(0, m.get(), m.get(), &raw)).find("bool"), std::string::npos);
}

TEST(Dtypes, TensorScalarPromotion) {
  Tensor a = from_vector({7, -7}, {2}, NB_DTYPE_I64);
  auto sc = [&](nb_status *(*f)(int32_t, const nb_tensor *, double, nb_tensor **), const Tensor &x, double s) {
    nb_tensor *raw = nullptr;
    EXPECT_EQ(f(0, x.get(), s, &raw), nullptr);
    return Tensor(raw);
  };
  Tensor i = sc(nb_tensor_add_scalar, a, 2);
  EXPECT_EQ(nb_tensor_dtype(i.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(i.get()), (std::vector<double>{9, -5}));
  Tensor f = sc(nb_tensor_add_scalar, a, 0.5);
  EXPECT_EQ(nb_tensor_dtype(f.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(f.get()), (std::vector<double>{7.5, -6.5}));
  Tensor m = sc(nb_tensor_mul_scalar, a, 3);
  EXPECT_EQ(nb_tensor_dtype(m.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(m.get()), (std::vector<double>{21, -21}));
  Tensor d = call("div_scalar", {a.get()}, {2});
  EXPECT_EQ(nb_tensor_dtype(d.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(d.get()), (std::vector<double>{3.5, -3.5}));
  Tensor p = call("pow_scalar", {a.get()}, {2});
  EXPECT_EQ(nb_tensor_dtype(p.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(p.get()), (std::vector<double>{49, 49}));
  Tensor n = call("neg", {a.get()});
  EXPECT_EQ(to_vector(n.get()), (std::vector<double>{-7, 7}));
  Tensor b = from_vector({1, 0}, {2}, NB_DTYPE_BOOL);
  Tensor bi = call("add_scalar", {b.get()}, {1});
  EXPECT_EQ(nb_tensor_dtype(bi.get()), NB_DTYPE_I64);
  EXPECT_EQ(to_vector(bi.get()), (std::vector<double>{2, 1}));
  EXPECT_NE(call_error("neg", {b.get()}).find("bool"), std::string::npos);
  // float32 tensors keep float32 with any number.
  Tensor x = from_vector({1}, {1}, NB_DTYPE_F32);
  EXPECT_EQ(nb_tensor_dtype(call("add_scalar", {x.get()}, {2}).get()), NB_DTYPE_F32);
}

TEST(Autograd, UnaryAndWhereBackwardThroughTheABI) {
  // y = sum(where(x > 0, exp(x), relu(x) + sigmoid(x))): d/dx = exp(x) for x > 0, else s(1 - s).
  Tensor x = from_vector({-1.0, 0.5, 2.0}, {3});
  NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
  Tensor m = call("gt_scalar", {x.get()}, {0.0}, {}, NB_GRAD);
  Tensor e = call("exp", {x.get()}, {}, {}, NB_GRAD);
  Tensor r = call("relu", {x.get()}, {}, {}, NB_GRAD);
  Tensor s = call("sigmoid", {x.get()}, {}, {}, NB_GRAD);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_add(NB_GRAD, r.get(), s.get(), &raw));
  Tensor rs(raw);
  Tensor w = call("where", {m.get(), e.get(), rs.get()}, {}, {}, NB_GRAD);
  Tensor total = call("sum", {w.get()}, {}, {}, NB_GRAD);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, total.get(), nullptr, 0, 0));
  Tensor g(nb_tensor_grad(x.get()));
  ASSERT_TRUE(g);
  double s0 = sigmoid_ref(-1.0);
  expect_values_near(to_vector(g.get()), {s0 * (1 - s0), std::exp(0.5), std::exp(2.0)}, NB_DTYPE_F64, "grad");
}

// relu's gradient: g where x > 0 or x is NaN, else 0 (threshold_backward). Contiguous alike
// float inputs take a vector select, others the mask-and-where path; both are checked on sizes
// around the vector width, with zeros, signed zeros, infinities and NaN in x and in g.
TEST(Autograd, ReluBackwardFastAndGeneralPathsAgree) {
  std::mt19937 rng(23);
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
    for (int64_t n : {1, 7, 8, 9, 31, 100003})
      for (Layout layout : {Layout::Contiguous, Layout::Transposed}) {
        SCOPED_TRACE("n " + std::to_string(n) + " dtype " + std::to_string(dt) + " " + layout_name(layout));
        Shape shape{n, 2};
        auto xv = rounded(random_values(rng, 2 * n, -1, 1), dt), gv = rounded(random_values(rng, 2 * n), dt);
        const double specials[] = {0.0, -0.0, NAN, INFINITY, -INFINITY, 1e-40};
        for (size_t k = 0; k < 6 && k < xv.size(); ++k) xv[k] = specials[k];
        if (gv.size() > 9) gv[8] = NAN, gv[9] = INFINITY;
        Tensor x = make_tensor(xv, shape, dt, layout), g = from_vector(gv, shape, dt);
        NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
        Tensor y = call("relu", {x.get()}, {}, {}, NB_GRAD);
        NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), g.get(), 0, 0));
        Tensor gx(nb_tensor_grad(x.get()));
        ASSERT_TRUE(gx);
        auto got = to_vector(gx.get());
        for (int64_t i = 0; i < 2 * n; ++i) {
          const double xr = static_cast<double>(dt == NB_DTYPE_F32 ? double(float(xv[i])) : xv[i]);
          const double want = (xr <= 0) ? 0.0 : gv[i];  // NaN x: the comparison is false, g flows
          if (std::isnan(want))
            EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
          else
            EXPECT_EQ(got[i], want) << "at " << i << " x " << xr;
        }
      }
}

// Contiguous runs long enough to be split between threads, so that a chunk starts off a cache line:
// the path that streams its output past the caches (kernels/stream.h) writes that head and the
// tail with ordinary stores. The suite runs a second time with NABLA_STREAM_BYTES=64 (CMakeLists),
// so these and every contiguous case above go through the streamed path there. Inputs at an odd
// offset (a slice) and NaN/inf; exact results for mul, add and relu, exp and tanh to rounding.
TEST(Streamed, LongRunsSplitBetweenThreadsMatchNaiveLoops) {
  std::mt19937 rng(29);
  const int32_t before = nb_get_num_threads();
  for (int32_t threads : {1, 2, 3}) {
    NB_ASSERT_OK(nb_set_num_threads(threads));
    for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
      for (int64_t n : {int64_t{65536 + 3}, int64_t{98304 + 17}, int64_t{200003}}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + " n " + std::to_string(n) + " dtype " + std::to_string(dt));
        auto av = rounded(random_values(rng, n + 1, -2, 2), dt), bv = rounded(random_values(rng, n, -2, 2), dt);
        const double specials[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0};
        for (int k = 0; k < 5; ++k) av[static_cast<size_t>(n / 2 + k)] = specials[k];
        bv[static_cast<size_t>(n - 1)] = NAN;
        Tensor a_full = from_vector(av, {n + 1}, dt), b = from_vector(bv, {n}, dt);
        Tensor a = call("slice", {a_full.get()}, {}, {0, 1, n + 1, 1});  // starts one element in
        ASSERT_TRUE(a);
        Tensor p = call("mul", {a.get(), b.get()}), s = call("add", {p.get(), b.get()}), r = call("relu", {s.get()});
        ASSERT_TRUE(p && s && r);
        auto gp = to_vector(p.get()), gs = to_vector(s.get()), gr = to_vector(r.get());
        for (int64_t i = 0; i < n; ++i) {
          double x = av[static_cast<size_t>(i + 1)], y = bv[static_cast<size_t>(i)];
          double wp = dt == NB_DTYPE_F32 ? double(float(x) * float(y)) : x * y;
          double ws = dt == NB_DTYPE_F32 ? double(float(wp) + float(y)) : wp + y;
          double wr = std::isnan(ws) ? ws : ws > 0 ? ws : 0.0;
          const double want[] = {wp, ws, wr}, got[] = {gp[static_cast<size_t>(i)], gs[static_cast<size_t>(i)],
                                                       gr[static_cast<size_t>(i)]};
          for (int k = 0; k < 3; ++k) {
            if (std::isnan(want[k]))
              ASSERT_TRUE(std::isnan(got[k])) << "op " << k << " at " << i;
            else
              ASSERT_EQ(got[k], want[k]) << "op " << k << " at " << i;
          }
        }
        // The float32 vector-math kernels take the same split (and streaming) through their own loop.
        Tensor e = call("exp", {a.get()}), t = call("tanh", {a.get()});
        ASSERT_TRUE(e && t);
        auto ge = to_vector(e.get()), gt = to_vector(t.get());
        double rel = dt == NB_DTYPE_F32 ? 2e-6 : 1e-12;
        for (int64_t i = 0; i < n; ++i) {
          double x = av[static_cast<size_t>(i + 1)];
          const double want[] = {std::exp(x), std::tanh(x)}, got[] = {ge[static_cast<size_t>(i)], gt[static_cast<size_t>(i)]};
          for (int k = 0; k < 2; ++k) {
            if (std::isnan(want[k]))
              ASSERT_TRUE(std::isnan(got[k])) << "fn " << k << " at " << i;
            else if (std::isinf(want[k]))
              ASSERT_EQ(got[k], want[k]) << "fn " << k << " at " << i;
            else
              ASSERT_NEAR(got[k], want[k], rel * std::max(1.0, std::fabs(want[k]))) << "fn " << k << " at " << i;
          }
        }
      }
  }
  NB_ASSERT_OK(nb_set_num_threads(before));
}

// full splits between threads: zeros by memset, other values by a loop (streamed when large, and in
// the suite's streamed run); signed zero, NaN and integer values keep their bits.
TEST(Streamed, FullFillsEveryElementAtEveryThreadCount) {
  const int32_t before = nb_get_num_threads();
  for (int32_t threads : {1, 2, 3}) {
    NB_ASSERT_OK(nb_set_num_threads(threads));
    for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64, NB_DTYPE_I64})
      for (double value : {0.0, -0.0, 2.5, kNaN, -7.0})
        for (int64_t n : {int64_t{5}, int64_t{65536 + 3}, int64_t{200003}}) {
          if (dt == NB_DTYPE_I64 && (std::isnan(value) || value == 2.5)) continue;
          SCOPED_TRACE("threads " + std::to_string(threads) + " dtype " + std::to_string(dt) + " value " +
                       std::to_string(value) + " n " + std::to_string(n));
          Tensor t = full({n}, value, dt);
          ASSERT_TRUE(t);
          auto got = to_vector(t.get());
          for (int64_t i = 0; i < n; ++i) {
            const double g = got[static_cast<size_t>(i)];
            if (std::isnan(value)) {
              ASSERT_TRUE(std::isnan(g)) << "at " << i;
            } else {
              ASSERT_EQ(g, value) << "at " << i;
              if (dt != NB_DTYPE_I64) ASSERT_EQ(std::signbit(g), std::signbit(value)) << "at " << i;
            }
          }
        }
  }
  NB_ASSERT_OK(nb_set_num_threads(before));
}
