// The reduction, softmax and linear-algebra family (ops/reduce_ext.cpp, ops/matmul.cpp) through
// nb_op_call, against naive loops: odd sizes, contiguous / transposed / reversed layouts, NaN
// propagation, the prod gradient with zeros, batched matmul with broadcast batch dims, and errors.
#include <limits>
#include <set>

#include "test_util.h"

using namespace nbtest;

namespace {

const int32_t kFloatTypes[] = {NB_DTYPE_F32, NB_DTYPE_F64};

// Runs registry op `name`; the outputs, or a failure.
std::vector<Tensor> call(const std::string &name, std::vector<const nb_tensor *> in,
                         std::vector<double> f = {}, std::vector<int64_t> i = {}, int32_t flags = 0) {
  int32_t id = nb_op_find(name.c_str());
  EXPECT_GE(id, 0) << "no op " << name;
  nb_tensor *outs[4] = {nullptr, nullptr, nullptr, nullptr};
  int32_t n = 0;
  nb_status *s = nb_op_call(flags, id, in.data(), static_cast<int32_t>(in.size()), f.data(),
                            static_cast<int32_t>(f.size()), i.data(), static_cast<int32_t>(i.size()),
                            outs, 4, &n);
  std::vector<Tensor> r;
  if (s) {
    ADD_FAILURE() << name << ": " << take_message(s);
    return r;
  }
  for (int32_t k = 0; k < n; ++k) r.emplace_back(outs[k]);
  return r;
}

std::string call_error(const std::string &name, std::vector<const nb_tensor *> in, std::vector<double> f = {},
                       std::vector<int64_t> i = {}) {
  nb_tensor *outs[4] = {nullptr, nullptr, nullptr, nullptr};
  int32_t n = 0;
  return expect_any_error(nb_op_call(0, nb_op_find(name.c_str()), in.data(), static_cast<int32_t>(in.size()),
                                     f.data(), static_cast<int32_t>(f.size()), i.data(),
                                     static_cast<int32_t>(i.size()), outs, 4, &n));
}

// Groups of a row-major tensor: for each output (kept dims, row-major) its values along the
// reduced dims (row-major).
std::vector<std::vector<double>> groups(const std::vector<double> &v, const Shape &shape,
                                        const std::set<int64_t> &dims) {
  Shape kept = shape;
  for (int64_t d : dims) kept[d] = 1;
  std::vector<std::vector<double>> g(static_cast<size_t>(numel_of(kept)));
  for (int64_t i = 0; i < numel_of(shape); ++i) g[broadcast_index(unravel(i, shape), kept)].push_back(v[i]);
  return g;
}

Shape out_shape(const Shape &shape, const std::set<int64_t> &dims, bool keep) {
  Shape s;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!dims.count(static_cast<int64_t>(d))) s.push_back(shape[d]);
    else if (keep) s.push_back(1);
  return s;
}

double ref_prod(const std::vector<double> &g) {
  double p = 1;
  for (double x : g) p *= x;
  return p;
}
int64_t ref_arg(const std::vector<double> &g, bool is_max) {
  int64_t best = 0;
  for (size_t i = 1; i < g.size(); ++i) {
    if (std::isnan(g[best])) break;
    if (std::isnan(g[i]) || (is_max ? g[i] > g[best] : g[i] < g[best])) best = static_cast<int64_t>(i);
  }
  return best;
}
double ref_var(const std::vector<double> &g, int64_t correction) {
  double m = 0, s = 0;
  for (double x : g) m += x;
  m /= static_cast<double>(g.size());
  for (double x : g) s += (x - m) * (x - m);
  return s / static_cast<double>(static_cast<int64_t>(g.size()) - correction);
}
double ref_norm(const std::vector<double> &g, double p) {
  double s = 0;
  for (double x : g) s = std::isinf(p) ? std::max(s, std::fabs(x)) : s + std::pow(std::fabs(x), p);
  return std::isinf(p) ? s : std::pow(s, 1.0 / p);
}
double ref_lse(const std::vector<double> &g) {
  double s = 0;
  for (double x : g) s += std::exp(x);  // inputs in [-1, 1]: no overflow in the naive form
  return std::log(s);
}

struct Case {
  Shape shape;
  std::vector<int64_t> dims;  // empty: all
};

const Case kCases[] = {
    {{7}, {0}},          {{3, 5}, {1}},      {{3, 5}, {0}},       {{3, 5, 7}, {1}},
    {{3, 5, 7}, {0, 2}}, {{2, 1, 3}, {1}},   {{4, 3, 5}, {-1}},   {{3, 5, 7}, {}},
    {{1, 4}, {0}},       {{5, 3, 2, 3}, {3, 1}},
    // bias-gradient shapes (outer and inner dims reduced, one kept block), large enough to be split
    // between threads: a conv's [n, c, h, w] over 0, 2, 3 and a Linear's [batch, features] over 0
    {{16, 40, 30, 30}, {0, 2, 3}}, {{5000, 13}, {0}}, {{3, 4, 5, 6}, {0, 3}},
};

std::set<int64_t> norm_dims(const Case &c) {
  std::set<int64_t> s;
  int64_t nd = static_cast<int64_t>(c.shape.size());
  if (c.dims.empty())
    for (int64_t d = 0; d < nd; ++d) s.insert(d);
  for (int64_t d : c.dims) s.insert(d < 0 ? d + nd : d);
  return s;
}

double tol(int32_t dt, double v) { return (dt == NB_DTYPE_F32 ? 2e-5 : 1e-12) * std::max(1.0, std::fabs(v)); }

void expect_near_all(const nb_tensor *t, const std::vector<double> &want, int32_t dt, const std::string &what) {
  std::vector<double> got = to_vector(t);
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol(dt, want[i])) << what << " at " << i;
}

TEST(Reductions, AgainstNaiveLoopsOverLayouts) {
  std::mt19937 rng(11);
  for (const Case &c : kCases)
    for (int32_t dt : kFloatTypes)
      for (Layout layout : kLayouts)
        for (bool keep : {false, true}) {
          SCOPED_TRACE(shape_str(c.shape) + " dims " + shape_str(c.dims) + " " + layout_name(layout) +
                       " keep " + std::to_string(keep) + " dtype " + std::to_string(dt));
          std::vector<double> v = rounded(random_values(rng, numel_of(c.shape)), dt);
          Tensor a = make_tensor(v, c.shape, dt, layout);
          ASSERT_TRUE(a);
          std::set<int64_t> dims = norm_dims(c);
          auto g = groups(v, c.shape, dims);
          Shape os = out_shape(c.shape, dims, keep);
          std::vector<int64_t> keep_dims{keep ? 1 : 0};
          keep_dims.insert(keep_dims.end(), c.dims.begin(), c.dims.end());
          auto per = [&](auto f) {
            std::vector<double> w;
            for (auto &grp : g) w.push_back(f(grp));
            return w;
          };
          auto check = [&](const std::string &op, std::vector<double> f, std::vector<int64_t> i,
                           const std::vector<double> &want) {
            auto r = call(op, {a.get()}, f, i);
            ASSERT_EQ(r.size(), 1u) << op;
            EXPECT_EQ(shape_of(r[0].get()), os) << op;
            expect_near_all(r[0].get(), want, dt, op);
          };
          check("amax", {}, keep_dims, per([](auto &x) { return x[ref_arg(x, true)]; }));
          check("amin", {}, keep_dims, per([](auto &x) { return x[ref_arg(x, false)]; }));
          for (int64_t corr : {0, 1}) {
            std::vector<int64_t> vi{corr, keep ? 1 : 0};
            vi.insert(vi.end(), c.dims.begin(), c.dims.end());
            bool ok = true;
            for (auto &grp : g) ok &= static_cast<int64_t>(grp.size()) > corr;
            if (!ok) continue;
            check("var", {}, vi, per([&](auto &x) { return ref_var(x, corr); }));
            check("std", {}, vi, per([&](auto &x) { return std::sqrt(ref_var(x, corr)); }));
          }
          for (double p : {1.0, 2.0, std::numeric_limits<double>::infinity()})
            check("norm", {p}, keep_dims, per([&](auto &x) { return ref_norm(x, p); }));
          check("logsumexp", {}, keep_dims, per(ref_lse));
          if (dims.size() == 1 && !c.dims.empty()) {
            std::vector<int64_t> di{c.dims[0], keep ? 1 : 0};
            check("prod_dim", {}, di, per(ref_prod));
            for (bool is_max : {true, false}) {
              auto r = call(is_max ? "max_dim" : "min_dim", {a.get()}, {}, di);
              ASSERT_EQ(r.size(), 2u);
              EXPECT_EQ(shape_of(r[0].get()), os);
              EXPECT_EQ(shape_of(r[1].get()), os);
              EXPECT_EQ(nb_tensor_dtype(r[1].get()), NB_DTYPE_I64);
              std::vector<double> idx = per([&](auto &x) { return static_cast<double>(ref_arg(x, is_max)); });
              EXPECT_EQ(to_vector(r[1].get()), idx);
              expect_near_all(r[0].get(), per([&](auto &x) { return x[ref_arg(x, is_max)]; }), dt, "max_dim");
              auto ai = call(is_max ? "argmax_dim" : "argmin_dim", {a.get()}, {}, di);
              EXPECT_EQ(to_vector(ai[0].get()), idx);
            }
            // softmax / log_softmax along the dim, against exp(x) / sum exp(x)
            int64_t d = *dims.begin();
            for (bool log : {false, true}) {
              auto r = call(log ? "log_softmax" : "softmax", {a.get()}, {}, {c.dims[0]});
              ASSERT_EQ(r.size(), 1u);
              EXPECT_EQ(shape_of(r[0].get()), c.shape);
              Shape kept = c.shape;
              kept[d] = 1;
              std::vector<double> want(v.size());
              for (int64_t i = 0; i < numel_of(c.shape); ++i) {
                double lse = ref_lse(g[broadcast_index(unravel(i, c.shape), kept)]);
                want[i] = log ? v[i] - lse : std::exp(v[i] - lse);
              }
              expect_near_all(r[0].get(), want, dt, log ? "log_softmax" : "softmax");
            }
          }
        }
}

TEST(Reductions, OverEverything) {
  std::mt19937 rng(12);
  for (int32_t dt : kFloatTypes)
    for (Layout layout : kLayouts) {
      Shape s{3, 5, 7};
      std::vector<double> v = rounded(random_values(rng, numel_of(s), 0.9, 1.1), dt);
      Tensor a = make_tensor(v, s, dt, layout);
      auto p = call("prod", {a.get()});
      EXPECT_EQ(shape_of(p[0].get()), Shape{});
      EXPECT_NEAR(to_vector(p[0].get())[0], ref_prod(v), (dt == NB_DTYPE_F32 ? 1e-5 : 1e-12) * std::fabs(ref_prod(v)));
      for (bool is_max : {true, false}) {
        auto m = call(is_max ? "max" : "min", {a.get()});
        ASSERT_EQ(m.size(), 1u);
        EXPECT_EQ(shape_of(m[0].get()), Shape{});
        EXPECT_EQ(to_vector(m[0].get())[0], v[ref_arg(v, is_max)]);
        auto i = call(is_max ? "argmax" : "argmin", {a.get()});
        EXPECT_EQ(nb_tensor_dtype(i[0].get()), NB_DTYPE_I64);
        EXPECT_EQ(to_vector(i[0].get())[0], static_cast<double>(ref_arg(v, is_max)));  // row-major flat index
      }
    }
}

TEST(Reductions, NaNPropagates) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int32_t dt : kFloatTypes) {
    Tensor a = from_vector({1, nan, 3, 4, 5, 6}, {2, 3}, dt);
    EXPECT_TRUE(std::isnan(to_vector(call("max", {a.get()})[0].get())[0]));
    EXPECT_TRUE(std::isnan(to_vector(call("min", {a.get()})[0].get())[0]));
    EXPECT_EQ(to_vector(call("argmax", {a.get()})[0].get())[0], 1.0);  // NaN counts as the max
    auto r = call("max_dim", {a.get()}, {}, {1, 0});
    std::vector<double> vals = to_vector(r[0].get());
    EXPECT_TRUE(std::isnan(vals[0]));
    EXPECT_EQ(vals[1], 6.0);
    EXPECT_EQ(to_vector(r[1].get()), (std::vector<double>{1, 2}));
    std::vector<double> am = to_vector(call("amax", {a.get()}, {}, {0, 0})[0].get());
    EXPECT_TRUE(std::isnan(am[1]));
    EXPECT_EQ(am[0], 4.0);
    EXPECT_TRUE(std::isnan(to_vector(call("norm", {a.get()}, {std::numeric_limits<double>::infinity()}, {0})[0].get())[0]));
    EXPECT_TRUE(std::isnan(to_vector(call("logsumexp", {a.get()}, {}, {0})[0].get())[0]));
    EXPECT_TRUE(std::isnan(to_vector(call("var", {a.get()}, {}, {1, 0})[0].get())[0]));
    std::vector<double> sm = to_vector(call("softmax", {a.get()}, {}, {1})[0].get());
    EXPECT_TRUE(std::isnan(sm[0]) && std::isnan(sm[2]));
    EXPECT_NEAR(sm[3] + sm[4] + sm[5], 1.0, 1e-6);
  }
}

TEST(Reductions, StableForLargeInputs) {
  // exp(1000) overflows; with the max subtracted, logsumexp([1000, 1000]) = 1000 + log 2 and
  // softmax([1000, 0]) = [1, e^-1000 = 0].
  for (int32_t dt : kFloatTypes) {
    Tensor a = from_vector({1000, 1000}, {2}, dt);
    EXPECT_NEAR(to_vector(call("logsumexp", {a.get()}, {}, {0})[0].get())[0], 1000 + std::log(2.0), 1e-3);
    Tensor b = from_vector({1000, 0}, {2}, dt);
    EXPECT_EQ(to_vector(call("softmax", {b.get()}, {}, {0})[0].get()), (std::vector<double>{1, 0}));
    EXPECT_EQ(to_vector(call("log_softmax", {b.get()}, {}, {0})[0].get()), (std::vector<double>{0, -1000}));
    Tensor ninf = from_vector({-INFINITY, -INFINITY}, {2}, dt);
    EXPECT_EQ(to_vector(call("logsumexp", {ninf.get()}, {}, {0})[0].get())[0], -INFINITY);
  }
}

// d(prod)/dx with zeros: none (prod / x), one (the zero gets the product of the others), several (0).
TEST(Reductions, ProdGradientWithZeros) {
  struct Z {
    std::vector<double> x, grad;
  };
  for (const Z &z : {Z{{2, 3, 4}, {12, 8, 6}}, Z{{2, 0, 4}, {0, 8, 0}}, Z{{0, 3, 0}, {0, 0, 0}}}) {
    Tensor x = from_vector(z.x, {3});
    NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
    auto y = call("prod", {x.get()}, {}, {}, NB_GRAD);
    ASSERT_EQ(y.size(), 1u);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y[0].get(), nullptr, 0, 0));
    Tensor g(nb_tensor_grad(x.get()));
    ASSERT_TRUE(g);
    EXPECT_EQ(to_vector(g.get()), z.grad);
  }
}

TEST(Reductions, Errors) {
  Tensor e = full({0, 3}, 1.0);
  std::string m = call_error("max", {e.get()});
  EXPECT_NE(m.find("max"), std::string::npos) << m;
  EXPECT_NE(m.find("[0, 3]"), std::string::npos) << m;
  m = call_error("amax", {e.get()}, {}, {0, 0});
  EXPECT_NE(m.find("amax"), std::string::npos) << m;
  Tensor a = full({2, 3}, 1.0);
  m = call_error("max_dim", {a.get()}, {}, {2, 0});
  EXPECT_NE(m.find("dimension out of range"), std::string::npos) << m;
  m = call_error("norm", {a.get()}, {3.0}, {0});
  EXPECT_NE(m.find("norm"), std::string::npos) << m;
  m = call_error("var", {a.get()}, {}, {1, 0, 1, -1});
  EXPECT_NE(m.find("multiple times"), std::string::npos) << m;
}

// ---- matmul family ----

// Naive batched reference over row-major values: a [..., m, k], b [..., k, n] broadcast.
std::vector<double> bmm_ref(const std::vector<double> &a, const Shape &sa, const std::vector<double> &b,
                            const Shape &sb, Shape &out) {
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  Shape batch = broadcast_shape(ba, bb);
  int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  out = batch;
  out.push_back(m);
  out.push_back(n);
  std::vector<double> c(static_cast<size_t>(numel_of(out)), 0.0);
  for (int64_t bi = 0; bi < numel_of(batch); ++bi) {
    Shape idx = unravel(bi, batch);
    int64_t ia = broadcast_index(idx, ba), ib = broadcast_index(idx, bb);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t p = 0; p < k; ++p)
          c[(bi * m + i) * n + j] += a[(ia * m + i) * k + p] * b[(ib * k + p) * n + j];
  }
  return c;
}

TEST(Matmul, BatchedWithBroadcastAgainstNaiveLoops) {
  std::mt19937 rng(21);
  struct P {
    Shape a, b;
  };
  const P pairs[] = {{{3, 4, 5}, {3, 5, 2}}, {{3, 4, 5}, {5, 2}},       {{2, 1, 4, 5}, {3, 5, 7}},
                     {{1, 3, 5}, {4, 5, 3}}, {{2, 3, 1, 5}, {3, 5, 1}}, {{5, 3, 7}, {1, 7, 1}}};
  for (const P &p : pairs)
    for (int32_t dt : kFloatTypes)
      for (Layout la : kLayouts)
        for (Layout lb : kLayouts) {
          SCOPED_TRACE(shape_str(p.a) + " @ " + shape_str(p.b) + " " + layout_name(la) + "/" + layout_name(lb));
          std::vector<double> va = rounded(random_values(rng, numel_of(p.a)), dt);
          std::vector<double> vb = rounded(random_values(rng, numel_of(p.b)), dt);
          Tensor a = make_tensor(va, p.a, dt, la), b = make_tensor(vb, p.b, dt, lb);
          nb_tensor *raw = nullptr;
          NB_ASSERT_OK(nb_tensor_matmul(0, a.get(), b.get(), &raw));
          Tensor c(raw);
          Shape os;
          std::vector<double> want = bmm_ref(va, p.a, vb, p.b, os);
          EXPECT_EQ(shape_of(c.get()), os);
          expect_near_all(c.get(), want, dt, "matmul");
        }
}

TEST(Matmul, OneDimensionalWithBatched) {
  std::mt19937 rng(22);
  std::vector<double> vv = random_values(rng, 5), vm = random_values(rng, 3 * 5 * 4);
  Tensor v = from_vector(vv, {5}), m = from_vector(vm, {3, 5, 4});
  nb_tensor *raw = nullptr;
  // [5] @ [3, 5, 4] -> [3, 4]: v as [1, 5], then the 1 dropped
  NB_ASSERT_OK(nb_tensor_matmul(0, v.get(), m.get(), &raw));
  Tensor c(raw);
  EXPECT_EQ(shape_of(c.get()), (Shape{3, 4}));
  Shape os;
  expect_near_all(c.get(), bmm_ref(vv, {1, 5}, vm, {3, 5, 4}, os), NB_DTYPE_F64, "vec @ batched");
  // [3, 4, 5] @ [5] -> [3, 4]
  Tensor w = from_vector(vm, {3, 4, 5});
  NB_ASSERT_OK(nb_tensor_matmul(0, w.get(), v.get(), &raw));
  Tensor d(raw);
  EXPECT_EQ(shape_of(d.get()), (Shape{3, 4}));
  expect_near_all(d.get(), bmm_ref(vm, {3, 4, 5}, vv, {5, 1}, os), NB_DTYPE_F64, "batched @ vec");
}

TEST(Matmul, BmmOuterDotLinear) {
  std::mt19937 rng(23);
  for (int32_t dt : kFloatTypes) {
    std::vector<double> va = rounded(random_values(rng, 2 * 3 * 4), dt), vb = rounded(random_values(rng, 2 * 4 * 5), dt);
    Tensor a = from_vector(va, {2, 3, 4}, dt), b = from_vector(vb, {2, 4, 5}, dt);
    Shape os;
    auto r = call("bmm", {a.get(), b.get()});
    expect_near_all(r[0].get(), bmm_ref(va, {2, 3, 4}, vb, {2, 4, 5}, os), dt, "bmm");
    EXPECT_EQ(shape_of(r[0].get()), os);

    Tensor u = from_vector({1, 2, 3}, {3}, dt), v = from_vector({4, 5}, {2}, dt);
    auto o = call("outer", {u.get(), v.get()});
    EXPECT_EQ(shape_of(o[0].get()), (Shape{3, 2}));
    EXPECT_EQ(to_vector(o[0].get()), (std::vector<double>{4, 5, 8, 10, 12, 15}));
    Tensor w3 = from_vector({4, 5, 6}, {3}, dt);
    auto d = call("dot", {u.get(), w3.get()});
    EXPECT_EQ(shape_of(d[0].get()), Shape{});
    EXPECT_EQ(to_vector(d[0].get())[0], 32.0);  // 4 + 10 + 18

    // linear: x [2, 3], w [4, 3] (out, in), bias [4]: x @ w^T + bias
    std::vector<double> vx = rounded(random_values(rng, 6), dt), vw = rounded(random_values(rng, 12), dt);
    std::vector<double> vbias = rounded(random_values(rng, 4), dt);
    Tensor x = from_vector(vx, {2, 3}, dt), wt = from_vector(vw, {4, 3}, dt), bias = from_vector(vbias, {4}, dt);
    std::vector<double> want(8);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j) {
        want[i * 4 + j] = vbias[j];
        for (int p = 0; p < 3; ++p) want[i * 4 + j] += vx[i * 3 + p] * vw[j * 3 + p];
      }
    auto l = call("linear", {x.get(), wt.get(), bias.get()});
    EXPECT_EQ(shape_of(l[0].get()), (Shape{2, 4}));
    expect_near_all(l[0].get(), want, dt, "linear");
    auto l2 = call("linear", {x.get(), wt.get()});
    for (int j = 0; j < 8; ++j) want[j] -= vbias[j % 4];
    expect_near_all(l2[0].get(), want, dt, "linear without bias");
  }
}

TEST(Matmul, FamilyErrors) {
  Tensor a3 = full({2, 3, 4}, 1.0), b3 = full({3, 4, 5}, 1.0), a2 = full({3, 4}, 1.0);
  std::string m = call_error("bmm", {a3.get(), b3.get()});
  EXPECT_NE(m.find("[2, 3, 4]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 4, 5]"), std::string::npos) << m;
  m = call_error("bmm", {a2.get(), b3.get()});
  EXPECT_NE(m.find("3D"), std::string::npos) << m;
  // batch dims 2 and 3 do not broadcast
  nb_tensor *out = nullptr;
  m = expect_error(nb_tensor_matmul(0, a3.get(), b3.get(), &out), NB_ERR_SHAPE);
  EXPECT_NE(m.find("batch"), std::string::npos) << m;
  Tensor bad = full({2, 5, 4}, 1.0);
  m = expect_error(nb_tensor_matmul(0, a3.get(), bad.get(), &out), NB_ERR_SHAPE);
  EXPECT_NE(m.find("inner dimensions 4 and 5"), std::string::npos) << m;
  Tensor u = full({3}, 1.0), v = full({4}, 1.0);
  m = call_error("dot", {u.get(), v.get()});
  EXPECT_NE(m.find("inconsistent tensor size"), std::string::npos) << m;
  m = call_error("dot", {a2.get(), v.get()});
  EXPECT_NE(m.find("1D tensors expected"), std::string::npos) << m;
  m = call_error("outer", {a2.get(), v.get()});
  EXPECT_NE(m.find("outer"), std::string::npos) << m;
  Tensor w = full({5, 3}, 1.0);  // in_features 3, but x has 4
  m = call_error("linear", {a2.get(), w.get()});
  EXPECT_NE(m.find("linear"), std::string::npos) << m;
}

}  // namespace
