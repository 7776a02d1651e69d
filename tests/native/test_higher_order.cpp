// Second-order gradients of the reductions whose backward recomputes its factor under create_graph
// (ops/reduce_ext.cpp): a Hessian-vector product by a backward through a create_graph backward,
// H v = d/dx <dL/dx, v>, against central differences of the gradient, (g(x + eps v) - g(x - eps v))
// / (2 eps), with L = sum(f(x) * w) for fixed random w and v.
#include <vector>

#include "test_util.h"

using namespace nbtest;

namespace {

struct OpSpec {
  const char* name;
  std::vector<double> f;
  std::vector<int64_t> i;
};

Tensor run(const OpSpec& op, const Tensor& x) {
  nb_tensor* outs[2] = {nullptr, nullptr};
  int32_t n = 0;
  const nb_tensor* in[] = {x.get()};
  NB_EXPECT_OK(nb_op_call(NB_GRAD, nb_op_find(op.name), in, 1, op.f.data(),
                          static_cast<int32_t>(op.f.size()), op.i.data(),
                          static_cast<int32_t>(op.i.size()), outs, 2, &n));
  for (int32_t k = 1; k < n; ++k) nb_tensor_free(outs[k]);
  return Tensor(outs[0]);
}

Tensor bin(nb_status* (*f)(int32_t, const nb_tensor*, const nb_tensor*, nb_tensor**), const Tensor& a,
           const Tensor& b) {
  nb_tensor* out = nullptr;
  NB_EXPECT_OK(f(NB_GRAD, a.get(), b.get(), &out));
  return Tensor(out);
}

Tensor total(const Tensor& a) {
  nb_tensor* out = nullptr;
  NB_EXPECT_OK(nb_tensor_sum(NB_GRAD, a.get(), &out));
  return Tensor(out);
}

Tensor grad_of(const Tensor& out, const Tensor& x, bool create) {
  const nb_tensor* outs[] = {out.get()};
  const nb_tensor* ins[] = {x.get()};
  nb_tensor* g = nullptr;
  NB_EXPECT_OK(nb_autograd_grad(NB_GRAD, outs, nullptr, 1, ins, 1, 0, create, 0, &g));
  return Tensor(g);
}

Tensor leaf(const std::vector<double>& v, const Shape& s) {
  Tensor t = from_vector(v, s, NB_DTYPE_F64);
  NB_EXPECT_OK(nb_tensor_set_requires_grad(t.get(), 1));
  return t;
}

// dL/dx at x, as values.
std::vector<double> gradient(const OpSpec& op, const std::vector<double>& x, const Shape& s, const Tensor& w) {
  Tensor xl = leaf(x, s);
  Tensor y = run(op, xl);
  return to_vector(grad_of(total(bin(nb_tensor_mul, y, w)), xl, false).get());
}

void check_hvp(const OpSpec& op, const std::vector<double>& x, const Shape& s, unsigned seed) {
  SCOPED_TRACE(op.name);
  std::mt19937 rng(seed);
  Tensor xl = leaf(x, s);
  Tensor y = run(op, xl);
  Tensor w = from_vector(random_values(rng, numel_of(shape_of(y.get()))), shape_of(y.get()), NB_DTYPE_F64);
  std::vector<double> v = random_values(rng, numel_of(s));
  Tensor vt = from_vector(v, s, NB_DTYPE_F64);
  Tensor g = grad_of(total(bin(nb_tensor_mul, y, w)), xl, true);
  std::vector<double> hv = to_vector(grad_of(total(bin(nb_tensor_mul, g, vt)), xl, false).get());
  const double eps = 1e-6;
  std::vector<double> xp = x, xm = x;
  for (size_t k = 0; k < x.size(); ++k) {
    xp[k] += eps * v[k];
    xm[k] -= eps * v[k];
  }
  std::vector<double> gp = gradient(op, xp, s, w), gm = gradient(op, xm, s, w);
  ASSERT_EQ(hv.size(), gp.size());
  for (size_t k = 0; k < hv.size(); ++k) {
    double num = (gp[k] - gm[k]) / (2 * eps);
    EXPECT_NEAR(hv[k], num, 1e-5 + 1e-4 * std::fabs(num)) << "element " << k;
  }
}

TEST(HigherOrder, ReductionsWithRecomputedFactorsMatchFiniteDifferences) {
  std::mt19937 rng(7);
  Shape s{3, 4};
  std::vector<double> x = random_values(rng, 12, -1.5, 1.5);
  check_hvp({"softmax", {}, {1}}, x, s, 1);
  check_hvp({"log_softmax", {}, {0}}, x, s, 2);
  check_hvp({"logsumexp", {}, {0, 1}}, x, s, 3);
  check_hvp({"logsumexp", {}, {1, 0, 1}}, x, s, 4);
  check_hvp({"std", {}, {1, 0, 0}}, x, s, 5);
  check_hvp({"std", {}, {0, 1, 1}}, x, s, 6);
  check_hvp({"norm", {2.0}, {0}}, x, s, 7);
  check_hvp({"norm", {2.0}, {1, 1}}, x, s, 8);
  check_hvp({"prod", {}, {}}, x, s, 9);
  check_hvp({"prod_dim", {}, {0, 1}}, x, s, 10);
}

TEST(HigherOrder, ProdWithZerosMatchesFiniteDifferences) {
  // Zeros at exact points: one in row 0, two in row 1 (the O(n^2) path); the perturbation moves
  // them off zero, but prod is a polynomial, so central differences are exact up to rounding.
  std::vector<double> x = {0.0, 1.5, -0.7, 2.0, 0.0, 0.0, 1.2, 0.9};
  check_hvp({"prod_dim", {}, {1, 0}}, x, Shape{2, 4}, 11);
  check_hvp({"prod", {}, {}}, {0.0, 1.5, -0.7, 2.0}, Shape{4}, 12);
  check_hvp({"prod_dim", {}, {0, 1}}, x, Shape{2, 4}, 13);
}

TEST(HigherOrder, StdAndNormAtZeroGiveZeroNotNan) {
  // A constant row has std 0 and the zero vector norm 0: PyTorch masks the gradient to 0 there,
  // and the second derivative through the masked inverse must stay finite (no inf * 0).
  Tensor x = leaf({1.0, 1.0, 1.0, 0.0, 0.0, 0.0}, Shape{2, 3});
  for (const OpSpec& op : {OpSpec{"std", {}, {0, 0, 1}}, OpSpec{"norm", {2.0}, {0, 1}}}) {
    SCOPED_TRACE(op.name);
    Tensor g = grad_of(total(run(op, x)), x, true);
    std::vector<double> h = to_vector(grad_of(total(g), x, false).get());
    for (double v : h) EXPECT_TRUE(std::isfinite(v));
  }
}

}  // namespace
