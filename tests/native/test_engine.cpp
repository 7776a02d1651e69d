// Autograd through the C ABI, with PyTorch as the reference for every value and message:
// the tutorial graph, accumulation, graph freeing, broadcast gradients, explicit gradients, version
// counters and in-place rules, grad mode flags, detach, retain_grad, set_grad, matmul gradients,
// a float64 central-difference check of every differentiable op, and create_graph.
#include <atomic>
#include <functional>
#include <thread>

#include "test_util.h"

using namespace nbtest;

namespace {

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

Tensor leaf(const std::vector<double> &v, const Shape &s, int32_t dt = NB_DTYPE_F64) {
  Tensor t = from_vector(v, s, dt);
  if (t) NB_EXPECT_OK(nb_tensor_set_requires_grad(t.get(), 1));
  return t;
}

std::vector<double> grad_values(const nb_tensor *t) {
  Tensor g(nb_tensor_grad(t));
  if (!g) {
    ADD_FAILURE() << "no .grad";
    return {};
  }
  return to_vector(g.get());
}

double item(const nb_tensor *t) {
  double v = NAN;
  NB_EXPECT_OK(nb_tensor_item(t, &v));
  return v;
}

// ---- the PyTorch autograd tutorial ----

// x = ones(2, 2) requires grad; y = x + 2; z = y * y * 3; out = z.mean().
struct Tutorial {
  Tensor x, y, yy, z, out;
  explicit Tutorial(int32_t dt = NB_DTYPE_F32) {
    x = leaf(std::vector<double>(4, 1.0), {2, 2}, dt);
    nb_tensor *raw = nullptr;
    NB_EXPECT_OK(nb_tensor_add_scalar(NB_GRAD, x.get(), 2.0, &raw));
    y.reset(raw);
    NB_EXPECT_OK(nb_tensor_mul(NB_GRAD, y.get(), y.get(), &raw));
    yy.reset(raw);
    NB_EXPECT_OK(nb_tensor_mul_scalar(NB_GRAD, yy.get(), 3.0, &raw));
    z.reset(raw);
    NB_EXPECT_OK(nb_tensor_mean(NB_GRAD, z.get(), &raw));
    out.reset(raw);
  }
};

TEST(Tutorial, ForwardGraphAndGradient) {
  Tutorial t;
  ASSERT_TRUE(t.out);
  EXPECT_EQ(item(t.out.get()), 27.0);  // 3 * (1 + 2)^2
  EXPECT_TRUE(nb_tensor_is_leaf(t.x.get()));
  EXPECT_EQ(nb_tensor_grad_fn_name(t.x.get()), nullptr);
  EXPECT_FALSE(nb_tensor_is_leaf(t.y.get()));
  EXPECT_TRUE(nb_tensor_requires_grad(t.y.get()));
  EXPECT_STREQ(nb_tensor_grad_fn_name(t.y.get()), "AddBackward0");
  EXPECT_STREQ(nb_tensor_grad_fn_name(t.yy.get()), "MulBackward0");
  EXPECT_STREQ(nb_tensor_grad_fn_name(t.z.get()), "MulBackward0");
  EXPECT_STREQ(nb_tensor_grad_fn_name(t.out.get()), "MeanBackward0");
  EXPECT_EQ(nb_tensor_grad(t.x.get()), nullptr) << "no .grad before backward";

  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0));
  // out = mean(3 (x + 2)^2), so d out/dx_i = 6 (x_i + 2) / 4 = 4.5 at x = 1.
  EXPECT_EQ(grad_values(t.x.get()), std::vector<double>(4, 4.5));
  Tensor g(nb_tensor_grad(t.x.get()));
  EXPECT_EQ(shape_of(g.get()), (Shape{2, 2}));
  EXPECT_EQ(nb_tensor_dtype(g.get()), NB_DTYPE_F32);
  EXPECT_NE(nb_tensor_grad_id(t.x.get()), 0);
  EXPECT_EQ(nb_tensor_grad_id(t.x.get()), nb_tensor_grad_id(t.x.get())) << "a stable identity";
  // A non-leaf keeps no .grad unless retain_grad was called (torch returns None and warns).
  EXPECT_EQ(nb_tensor_grad(t.y.get()), nullptr);
}

TEST(Tutorial, GradientsAccumulateOverTwoBackwards) {
  Tutorial t;
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 1, 0));  // retain_graph
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(t.x.get()), std::vector<double>(4, 9.0));  // 4.5 + 4.5
}

TEST(Tutorial, SecondBackwardThroughFreedGraphFails) {
  Tutorial t;
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0));
  // MulBackward0 saved y; without retain_graph the first backward freed it.
  std::string msg =
      expect_error(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0), NB_ERR_STATE);
  EXPECT_TRUE(contains(msg, "Trying to backward through the graph a second time")) << msg;
}

TEST(Tutorial, GraphWithoutSavedTensorsCanBackwardAgain) {
  // As torch: only freed *saved tensors* make a second backward fail. y = x + 2 and sum save
  // none, so a second backward works and accumulates: d sum(x + 2)/dx = 1, twice = 2.
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_add_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{2, 2}));
}

TEST(Tutorial, IntermediatesFreedBeforeBackward) {
  // The graph owns what it needs: a caller (a Java scope) may drop every intermediate handle,
  // and even the output's, right after calling backward.
  int64_t start = nb_live_tensors();
  {
    Tensor x = leaf({1, 2}, {2});
    nb_tensor *y = nullptr, *z = nullptr, *s = nullptr;
    NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &y));
    NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, y, y, &z));
    nb_tensor_free(y);
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, z, &s));
    nb_tensor_free(z);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s, nullptr, 0, 0));
    nb_tensor_free(s);
    // s = sum (2x)^2 = 4 sum x^2, so ds/dx = 8x.
    EXPECT_EQ(grad_values(x.get()), (std::vector<double>{8, 16}));
  }
  EXPECT_EQ(nb_live_tensors(), start);
}

TEST(Tutorial, NothingLeaksAfterBackward) {
  int64_t start = nb_live_tensors();
  {
    Tutorial t;
    NB_ASSERT_OK(nb_tensor_retain_grad(t.y.get()));  // y.grad is freed with y
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 1, 0));  // graph retained
  }
  EXPECT_EQ(nb_live_tensors(), start) << "graph nodes and saved tensors must be freed with out";
}

// ---- backward arguments ----

TEST(Backward, BroadcastGradientsSumToInputShape) {
  Tensor a = leaf(std::vector<double>(6, 1.0), {2, 3});
  Tensor b = leaf({1, 2, 3}, {3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_add(NB_GRAD, a.get(), b.get(), &raw));
  Tensor c(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, c.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  // s = sum_ij (a_ij + b_j): ds/da_ij = 1, ds/db_j = (number of rows) = 2.
  Tensor gb(nb_tensor_grad(b.get()));
  ASSERT_TRUE(gb);
  EXPECT_EQ(shape_of(gb.get()), (Shape{3}));
  EXPECT_EQ(to_vector(gb.get()), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(grad_values(a.get()), std::vector<double>(6, 1.0));
}

TEST(Backward, ExplicitGradientOnNonScalar) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  Tensor g = from_vector({1, -1, 0.5, 0, 2, 3}, {2, 3});
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), g.get(), 0, 0));
  // y = 2x, so x.grad = 2 * gradient.
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{2, -2, 1, 0, 4, 6}));
  EXPECT_EQ(to_vector(g.get()), (std::vector<double>{1, -1, 0.5, 0, 2, 3})) << "borrowed";
}

TEST(Backward, OnALeafAccumulatesTheGradient) {
  // torch: x.backward(g) on a leaf sets x.grad = g.
  Tensor x = leaf({1, 2}, {2});
  Tensor g = from_vector({3, -1}, {2});
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, x.get(), g.get(), 0, 0));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{3, -1}));
}

TEST(Backward, GradientOfAnotherFloatTypeIsCast) {
  // torch casts the root gradient to the output's dtype, so x.grad stays float32.
  Tensor x = leaf({1, 2}, {2}, NB_DTYPE_F32);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  Tensor g = from_vector({1, 0.5}, {2}, NB_DTYPE_F64);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), g.get(), 0, 0));
  Tensor gx(nb_tensor_grad(x.get()));
  ASSERT_TRUE(gx);
  EXPECT_EQ(nb_tensor_dtype(gx.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(gx.get()), (std::vector<double>{2, 1}));  // y = 2x
}

TEST(Backward, PowZeroHasZeroGradientAtZero) {
  // d/dx x^0 = 0 * x^-1, which is 0 * inf = nan at x = 0; torch masks it to 0 (derivatives.yaml
  // pow_backward: "masked_fill_(exponent == 0.0, 0)").
  Tensor x = leaf({0, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, x.get(), 0.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{0, 0}));
}

TEST(Backward, GradientOfWrongShapeFails) {
  // torch: "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a
  // shape of torch.Size([2, 3])."
  Tensor x = leaf(std::vector<double>(6, 1.0), {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  Tensor g = full({3}, 1.0);
  std::string msg = expect_error(nb_tensor_backward(NB_GRAD, y.get(), g.get(), 0, 0), NB_ERR_SHAPE);
  EXPECT_TRUE(contains(msg, "[3]")) << msg;
  EXPECT_TRUE(contains(msg, "[2, 3]")) << msg;
}

TEST(Backward, ImplicitGradientNeedsAScalar) {
  Tensor x = leaf(std::vector<double>(6, 1.0), {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  std::string msg = expect_any_error(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 0, 0));
  EXPECT_TRUE(contains(msg, "grad can be implicitly created only for scalar outputs")) << msg;
  EXPECT_EQ(nb_tensor_grad(x.get()), nullptr);
}

TEST(Backward, OnATensorThatDoesNotRequireGradFails) {
  Tensor x = full({2}, 1.0);  // requires_grad off
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, x.get(), &raw));
  Tensor s(raw);
  EXPECT_FALSE(nb_tensor_requires_grad(s.get()));
  std::string msg = expect_any_error(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_TRUE(
      contains(msg, "element 0 of tensors does not require grad and does not have a grad_fn"))
      << msg;
}

// ---- version counters and in-place rules ----

TEST(Versions, ModifyingASavedTensorFailsAtBackward) {
  Tensor x = leaf({1, 2, 3, 4}, {2, 2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor h(raw);  // a non-leaf at version 0
  NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, h.get(), h.get(), &raw));
  Tensor y(raw);  // MulBackward0 saves h at version 0
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);

  int64_t v0 = nb_tensor_version(h.get());
  EXPECT_EQ(v0, 0);
  NB_ASSERT_OK(nb_tensor_add_scalar_(0, h.get(), 1.0));  // allowed: h is not a leaf
  EXPECT_EQ(nb_tensor_version(h.get()), 1);

  // torch: "one of the variables needed for gradient computation has been modified by an inplace
  // operation: [torch.DoubleTensor [2, 2]], which is output 0 of MulBackward0, is at version 1;
  // expected version 0 instead. Hint: ..."
  std::string msg = expect_error(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0), NB_ERR_STATE);
  EXPECT_TRUE(contains(msg, "modified by an inplace operation")) << msg;
  EXPECT_TRUE(contains(msg, "is at version 1; expected version 0 instead")) << msg;
}

TEST(Versions, DetachSharesTheVersionCounter) {
  // As torch: x.detach().add_(1) modifies x's storage, so PowBackward0, which saved x, refuses.
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_detach(x.get(), &raw));
  Tensor d(raw);
  NB_ASSERT_OK(nb_tensor_add_scalar_(NB_GRAD, d.get(), 1.0));  // d does not require grad: fine
  EXPECT_EQ(nb_tensor_version(x.get()), 1);
  std::string msg = expect_error(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0), NB_ERR_STATE);
  EXPECT_TRUE(contains(msg, "is at version 1; expected version 0 instead")) << msg;
}

using InPlaceFn = std::function<nb_status *(int32_t, nb_tensor *)>;

TEST(Versions, InPlaceOnLeafRequiringGrad) {
  Tensor other = full({2}, 3.0);
  const std::vector<std::pair<const char *, InPlaceFn>> ops = {
      {"add_", [&](int32_t f, nb_tensor *a) { return nb_tensor_add_(f, a, other.get()); }},
      {"sub_", [&](int32_t f, nb_tensor *a) { return nb_tensor_sub_(f, a, other.get()); }},
      {"mul_", [&](int32_t f, nb_tensor *a) { return nb_tensor_mul_(f, a, other.get()); }},
      {"add_scalar_", [](int32_t f, nb_tensor *a) { return nb_tensor_add_scalar_(f, a, 1.0); }},
      {"mul_scalar_", [](int32_t f, nb_tensor *a) { return nb_tensor_mul_scalar_(f, a, 2.0); }},
      {"add_scaled_",
       [&](int32_t f, nb_tensor *a) { return nb_tensor_add_scaled_(f, a, other.get(), -0.1); }},
      {"fill_", [](int32_t f, nb_tensor *a) { return nb_tensor_fill_(f, a, 0.0); }},
      {"copy_", [&](int32_t f, nb_tensor *a) { return nb_tensor_copy_(f, a, other.get()); }},
  };
  for (const auto &[name, fn] : ops) {
    SCOPED_TRACE(name);
    Tensor x = leaf({1, 2}, {2});
    int64_t v0 = nb_tensor_version(x.get());
    // torch: "a leaf Variable that requires grad is being used in an in-place operation."
    std::string msg = expect_any_error(fn(NB_GRAD, x.get()));
    EXPECT_TRUE(contains(
        msg, "a leaf Variable that requires grad is being used in an in-place operation."))
        << msg;
    EXPECT_EQ(nb_tensor_version(x.get()), v0) << "a refused op changes nothing";
    EXPECT_EQ(to_vector(x.get()), (std::vector<double>{1, 2}));

    // Without grad mode it is the optimizer's update step: allowed, and it bumps the version.
    NB_ASSERT_OK(fn(0, x.get()));
    EXPECT_EQ(nb_tensor_version(x.get()), v0 + 1);
    EXPECT_TRUE(nb_tensor_requires_grad(x.get()));
    EXPECT_TRUE(nb_tensor_is_leaf(x.get()));
  }
}

TEST(Versions, InPlaceOnNonLeafUnderGradIsRecorded) {
  // torch: y = 2x; y.add_(1); y.mul_(3) rebases y's history; y = 3(2x + 1), so dy/dx = 6.
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_add_scalar_(NB_GRAD, y.get(), 1.0));
  EXPECT_STREQ(nb_tensor_grad_fn_name(y.get()), "AddBackward0");
  NB_ASSERT_OK(nb_tensor_mul_scalar_(NB_GRAD, y.get(), 3.0));
  EXPECT_STREQ(nb_tensor_grad_fn_name(y.get()), "MulBackward0");
  EXPECT_EQ(to_vector(y.get()), (std::vector<double>{9, 15}));
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{6, 6}));
}

TEST(Versions, InPlaceWithAnOperandRequiringGradMakesANonLeaf) {
  // torch: a (no grad) .add_(b) with b requiring grad gives a an AddBackward0; d sum(a)/db = 1.
  Tensor a = full({2}, 1.0);
  Tensor b = leaf({1, 2}, {2});
  NB_ASSERT_OK(nb_tensor_add_(NB_GRAD, a.get(), b.get()));
  EXPECT_TRUE(nb_tensor_requires_grad(a.get()));
  EXPECT_FALSE(nb_tensor_is_leaf(a.get()));
  EXPECT_STREQ(nb_tensor_grad_fn_name(a.get()), "AddBackward0");
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, a.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(b.get()), (std::vector<double>{1, 1}));
}

// ---- grad mode, detach, retain_grad, set_grad ----

TEST(GradMode, FlagsZeroRecordsNoGraph) {
  Tensor x = leaf({1, 2, 3}, {3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul(0, x.get(), x.get(), &raw));
  Tensor y(raw);
  EXPECT_FALSE(nb_tensor_requires_grad(y.get()));
  EXPECT_EQ(nb_tensor_grad_fn_name(y.get()), nullptr);
  EXPECT_TRUE(nb_tensor_is_leaf(y.get()));
  EXPECT_EQ(to_vector(y.get()), (std::vector<double>{1, 4, 9}));
}

TEST(GradMode, InputsWithoutRequiresGradRecordNothing) {
  Tensor a = full({3}, 1.0), b = full({3}, 2.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_add(NB_GRAD, a.get(), b.get(), &raw));
  Tensor c(raw);
  EXPECT_FALSE(nb_tensor_requires_grad(c.get()));
  EXPECT_EQ(nb_tensor_grad_fn_name(c.get()), nullptr);
}

TEST(GradMode, RequiresGradOnlyForFloatsAndLeaves) {
  Tensor i = full({2}, 1.0, NB_DTYPE_I64);
  // torch: "only Tensors of floating point and complex dtype can require gradients"
  expect_any_error(nb_tensor_set_requires_grad(i.get(), 1));
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  // torch: "you can only change requires_grad flags of leaf variables. ..."
  expect_any_error(nb_tensor_set_requires_grad(y.get(), 0));
  EXPECT_TRUE(nb_tensor_requires_grad(y.get()));
}

TEST(Detach, SharesStorageWithoutGraph) {
  Tensor x = leaf({1, 2, 3}, {3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_detach(y.get(), &raw));
  Tensor d(raw);
  EXPECT_EQ(nb_tensor_data(d.get()), nb_tensor_data(y.get()));
  EXPECT_EQ(nb_tensor_grad_fn_name(d.get()), nullptr);
  EXPECT_FALSE(nb_tensor_requires_grad(d.get()));
  EXPECT_TRUE(nb_tensor_is_leaf(d.get()));
  EXPECT_EQ(to_vector(d.get()), (std::vector<double>{2, 4, 6}));
}

TEST(RetainGrad, NonLeafKeepsItsGrad) {
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 3.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_retain_grad(y.get()));
  NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, y.get(), 2.0, &raw));
  Tensor y2(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y2.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  // s = sum (3x)^2: ds/dy = 2y = 6x = {6, 12}; ds/dx = 18x = {18, 36}.
  EXPECT_EQ(grad_values(y.get()), (std::vector<double>{6, 12}));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{18, 36}));
  EXPECT_EQ(nb_tensor_grad(y2.get()), nullptr) << "only y asked to retain";
}

TEST(RetainGrad, AccumulatesOverTwoBackwards) {
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_retain_grad(y.get()));
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 1, 0));
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  // ds/dy = 1 per backward; ds/dx = 2 per backward.
  EXPECT_EQ(grad_values(y.get()), (std::vector<double>{2, 2}));
  EXPECT_EQ(grad_values(x.get()), (std::vector<double>{4, 4}));
}

TEST(SetGrad, NullClearsAndAnotherBackwardStartsFresh) {
  Tutorial t;
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 1, 0));
  NB_ASSERT_OK(nb_tensor_set_grad(t.x.get(), nullptr));
  EXPECT_EQ(nb_tensor_grad(t.x.get()), nullptr);
  EXPECT_EQ(nb_tensor_grad_id(t.x.get()), 0);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(t.x.get()), std::vector<double>(4, 4.5)) << "not 9: the grad was cleared";
}

TEST(SetGrad, AssignedGradAccumulates) {
  Tutorial t;
  Tensor g = full({2, 2}, 1.0, NB_DTYPE_F32);
  NB_ASSERT_OK(nb_tensor_set_grad(t.x.get(), g.get()));
  EXPECT_NE(nb_tensor_grad_id(t.x.get()), 0);
  Tensor got(nb_tensor_grad(t.x.get()));
  ASSERT_TRUE(got);
  EXPECT_EQ(nb_tensor_data(got.get()), nb_tensor_data(g.get())) << "x takes a reference to g";
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, t.out.get(), nullptr, 0, 0));
  EXPECT_EQ(grad_values(t.x.get()), std::vector<double>(4, 5.5));  // 1 + 4.5
}

TEST(SetGrad, WrongShapeFails) {
  // torch: "assigned grad has data of a different size"
  Tensor x = leaf({1, 2}, {2});
  Tensor g = full({3}, 1.0);
  expect_any_error(nb_tensor_set_grad(x.get(), g.get()));
  EXPECT_EQ(nb_tensor_grad(x.get()), nullptr);
}

// ---- what AccumulateGrad keeps ----

// x @ w^T (Linear): w's gradient arrives as the transpose of a transposed product, a view that
// alone holds its storage. .grad keeps it (no copy), and it is a tensor of its own, not a view:
// detach_ (refused on views) works on it.
TEST(AccumulateGrad, KeepsAnUnsharedTransposedGradientAsATensorOfItsOwn) {
  std::mt19937 rng(3);
  const int64_t b = 4, in = 5, out = 3;
  std::vector<double> vx = random_values(rng, b * in), vw = random_values(rng, out * in);
  Tensor x = from_vector(vx, {b, in}), w = leaf(vw, {out, in});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(NB_GRAD, w.get(), 0, 1, &raw));
  Tensor wt(raw);
  NB_ASSERT_OK(nb_tensor_matmul(NB_GRAD, x.get(), wt.get(), &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  Tensor g(nb_tensor_grad(w.get()));
  ASSERT_TRUE(g);
  EXPECT_EQ(nb_tensor_is_contiguous(g.get()), 1);
  NB_EXPECT_OK(nb_tensor_detach_(g.get()));
  // d sum(x w^T) / dw[o][i] = sum over rows of x[r][i].
  std::vector<double> want(out * in, 0.0);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t r = 0; r < b; ++r) want[o * in + i] += vx[r * in + i];
  std::vector<double> got = to_vector(g.get());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
}

// A gradient that is a view of a tensor someone else holds (here y.grad, through reshape) is
// copied: changing y.grad afterwards leaves w.grad alone.
TEST(AccumulateGrad, CopiesAGradientWhoseStorageIsShared) {
  Tensor w = leaf({1, 2, 3, 4, 5, 6}, {6});
  int64_t shape[] = {2, 3};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_reshape(NB_GRAD, w.get(), shape, 2, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_retain_grad(y.get()));
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, y.get(), 2.0, &raw));
  Tensor z(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, z.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  Tensor yg(nb_tensor_grad(y.get()));
  ASSERT_TRUE(yg);
  NB_ASSERT_OK(nb_tensor_mul_scalar_(0, yg.get(), 10.0));
  EXPECT_EQ(to_vector(yg.get()), std::vector<double>(6, 20.0));
  EXPECT_EQ(grad_values(w.get()), std::vector<double>(6, 2.0));
}

// ---- matmul gradients vs the analytic formulas ----

TEST(MatmulGrad, MatchesGBtAndAtG) {
  std::mt19937 rng(5);
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64}) {
    const int64_t m = 5, k = 7, n = 3;
    std::vector<double> va = rounded(random_values(rng, m * k), dt);
    std::vector<double> vb = rounded(random_values(rng, k * n), dt);
    std::vector<double> vg = rounded(random_values(rng, m * n), dt);
    Tensor a = leaf(va, {m, k}, dt), b = leaf(vb, {k, n}, dt), g = from_vector(vg, {m, n}, dt);
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_matmul(NB_GRAD, a.get(), b.get(), &raw));
    Tensor c(raw);
    EXPECT_STREQ(nb_tensor_grad_fn_name(c.get()), "MmBackward0");
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, c.get(), g.get(), 0, 0));
    // C = A B: dA = G B^T ([m, n] @ [n, k]), dB = A^T G ([k, m] @ [m, n]).
    std::vector<double> da(m * k, 0.0), db(k * n, 0.0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < n; ++j) {
          da[i * k + p] += vg[i * n + j] * vb[p * n + j];
          db[p * n + j] += va[i * k + p] * vg[i * n + j];
        }
    double tol = dt == NB_DTYPE_F32 ? 1e-5 : 1e-12;
    std::vector<double> ga = grad_values(a.get()), gb = grad_values(b.get());
    ASSERT_EQ(ga.size(), da.size());
    ASSERT_EQ(gb.size(), db.size());
    for (size_t i = 0; i < da.size(); ++i) EXPECT_NEAR(ga[i], da[i], tol) << "dA " << i;
    for (size_t i = 0; i < db.size(); ++i) EXPECT_NEAR(gb[i], db[i], tol) << "dB " << i;
  }
}

// ---- float64 central-difference gradient check ----

// A function of f64 inputs built from ABI ops under `flags`; it frees its own intermediates.
using Fn = std::function<nb_status *(int32_t flags, const std::vector<nb_tensor *> &in,
                                     nb_tensor **out)>;

#define TRY(call)                    \
  do {                               \
    nb_status *try_s_ = (call);      \
    if (try_s_ != nullptr) return try_s_; \
  } while (0)

enum class Domain { Any, NonZero, Positive };

struct GradCase {
  std::string name;
  std::vector<Shape> shapes;
  Fn fn;
  Domain domain = Domain::NonZero;  // keep away from 0 unless an op needs positive inputs
};

// loss(inputs) = sum_i w_i f(inputs)_i with fixed random weights w. backward(f, w) gives its
// analytic gradient; central differences, (loss(x + eps) - loss(x - eps)) / 2 eps, the numeric one.
void gradcheck(const GradCase &c, std::mt19937 &rng) {
  SCOPED_TRACE(c.name);
  const double eps = 1e-6, atol = 1e-5;
  std::vector<Tensor> in;
  std::vector<nb_tensor *> ptrs;
  for (const Shape &s : c.shapes) {
    int64_t n = numel_of(s);
    std::vector<double> v = c.domain == Domain::Positive ? random_values(rng, n, 0.5, 1.5)
                            : c.domain == Domain::NonZero ? random_nonzero(rng, n, 0.5, 1.5)
                                                          : random_values(rng, n, -1.5, 1.5);
    in.push_back(leaf(v, s));
    ASSERT_TRUE(in.back());
    ptrs.push_back(in.back().get());
  }
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(c.fn(NB_GRAD, ptrs, &raw));
  Tensor out(raw);
  ASSERT_TRUE(nb_tensor_requires_grad(out.get()));
  ASSERT_NE(nb_tensor_grad_fn_name(out.get()), nullptr);
  Shape so = shape_of(out.get());
  std::vector<double> w = random_values(rng, numel_of(so));
  Tensor wt = from_vector(w, so);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out.get(), wt.get(), 0, 0));

  auto loss = [&]() {
    nb_tensor *o = nullptr;
    nb_status *st = c.fn(0, ptrs, &o);
    if (st) {
      ADD_FAILURE() << take_message(st);
      return 0.0;
    }
    Tensor ot(o);
    std::vector<double> v = to_vector(ot.get());
    double l = 0;
    for (size_t i = 0; i < v.size(); ++i) l += w[i] * v[i];
    return l;
  };

  for (size_t k = 0; k < in.size(); ++k) {
    Tensor g(nb_tensor_grad(in[k].get()));
    ASSERT_TRUE(g) << "input " << k << " got no .grad";
    ASSERT_EQ(shape_of(g.get()), c.shapes[k]) << "input " << k;
    ASSERT_EQ(nb_tensor_dtype(g.get()), NB_DTYPE_F64);
    std::vector<double> analytic = to_vector(g.get());
    // Perturb the leaf's storage directly (no version bump): only flags=0 forwards follow.
    double *data = reinterpret_cast<double *>(nb_tensor_data(in[k].get()));
    for (int64_t j = 0; j < numel_of(c.shapes[k]); ++j) {
      double x0 = data[j];
      data[j] = x0 + eps;
      double lp = loss();
      data[j] = x0 - eps;
      double lm = loss();
      data[j] = x0;
      double numeric = (lp - lm) / (2 * eps);
      EXPECT_NEAR(analytic[j], numeric, atol) << "input " << k << " element " << j;
    }
  }
}

// Shorthands that build a Fn from one op of the header.
using In = std::vector<nb_tensor *>;
using UnaryOp = nb_status *(*)(int32_t, const nb_tensor *, nb_tensor **);
using BinaryOp = nb_status *(*)(int32_t, const nb_tensor *, const nb_tensor *, nb_tensor **);
using ScalarOp = nb_status *(*)(int32_t, const nb_tensor *, double, nb_tensor **);
using DimsOp = nb_status *(*)(int32_t, const nb_tensor *, const int64_t *, int32_t, int32_t,
                              nb_tensor **);
using ShapeOp = nb_status *(*)(int32_t, const nb_tensor *, const int64_t *, int32_t,
                               nb_tensor **);

Fn unary(UnaryOp op) {
  return [op](int32_t f, const In &in, nb_tensor **out) { return op(f, in[0], out); };
}
Fn binary(BinaryOp op) {
  return [op](int32_t f, const In &in, nb_tensor **out) { return op(f, in[0], in[1], out); };
}
Fn with_scalar(ScalarOp op, double s) {
  return [op, s](int32_t f, const In &in, nb_tensor **out) { return op(f, in[0], s, out); };
}
Fn over_dims(DimsOp op, std::vector<int64_t> dims, int32_t keep_dim) {
  return [op, dims, keep_dim](int32_t f, const In &in, nb_tensor **out) {
    return op(f, in[0], dims.data(), static_cast<int32_t>(dims.size()), keep_dim, out);
  };
}
Fn to_shape(ShapeOp op, Shape shape) {
  return [op, shape](int32_t f, const In &in, nb_tensor **out) {
    return op(f, in[0], shape.data(), static_cast<int32_t>(shape.size()), out);
  };
}
// inner applied to (transpose(x0, 0, 1), x1, ...): the op sees a strided input, and the
// gradient flows back through the view.
Fn on_transposed(Fn inner) {
  return [inner](int32_t f, const In &in, nb_tensor **out) {
    nb_tensor *t = nullptr;
    TRY(nb_tensor_transpose(f, in[0], 0, 1, &t));
    Tensor tt(t);
    In args = in;
    args[0] = tt.get();
    return inner(f, args, out);
  };
}

std::vector<GradCase> grad_cases() {
  std::vector<GradCase> cs;
  // Binary ops, with broadcasting and size-1 dims on either side.
  cs.push_back({"add [2, 3] + [3]", {{2, 3}, {3}}, binary(nb_tensor_add)});
  cs.push_back({"add [3, 1] + [1, 4]", {{3, 1}, {1, 4}}, binary(nb_tensor_add)});
  cs.push_back({"add [] + [2, 2]", {{}, {2, 2}}, binary(nb_tensor_add)});
  cs.push_back({"sub [2, 1, 3] - [4, 1]", {{2, 1, 3}, {4, 1}}, binary(nb_tensor_sub)});
  cs.push_back({"sub [3] - [2, 3]", {{3}, {2, 3}}, binary(nb_tensor_sub)});
  cs.push_back({"mul [3, 1, 4] * [2, 1]", {{3, 1, 4}, {2, 1}}, binary(nb_tensor_mul)});
  cs.push_back({"mul [2, 3] * [2, 3]", {{2, 3}, {2, 3}}, binary(nb_tensor_mul)});
  cs.push_back({"mul [3, 2]^T * [3]", {{3, 2}, {3}}, on_transposed(binary(nb_tensor_mul))});
  cs.push_back({"div [2, 3] / [2, 1]", {{2, 3}, {2, 1}}, binary(nb_tensor_div)});
  cs.push_back({"div [1] / [3, 2]", {{1}, {3, 2}}, binary(nb_tensor_div)});
  // The same tensor on both sides: both gradient contributions add up (d x*x = 2x).
  cs.push_back({"mul x * x", {{2, 3}}, [](int32_t f, const In &in, nb_tensor **out) {
                  return nb_tensor_mul(f, in[0], in[0], out);
                }});
  // Scalar forms and unary ops; pow with a fractional exponent needs positive inputs.
  cs.push_back({"add_scalar", {{2, 3}}, with_scalar(nb_tensor_add_scalar, 1.5)});
  cs.push_back({"mul_scalar", {{2, 3}}, with_scalar(nb_tensor_mul_scalar, -2.5)});
  cs.push_back({"rsub_scalar", {{2, 3}}, with_scalar(nb_tensor_rsub_scalar, 2.0)});
  cs.push_back({"rdiv_scalar", {{2, 3}}, with_scalar(nb_tensor_rdiv_scalar, 3.0)});
  cs.push_back({"neg", {{7}}, unary(nb_tensor_neg)});
  cs.push_back({"pow_scalar 3", {{2, 3}}, with_scalar(nb_tensor_pow_scalar, 3.0)});
  cs.push_back({"pow_scalar -2", {{2, 3}}, with_scalar(nb_tensor_pow_scalar, -2.0)});
  cs.push_back({"pow_scalar 2.5", {{2, 3}}, with_scalar(nb_tensor_pow_scalar, 2.5),
                Domain::Positive});
  cs.push_back({"pow_scalar 0.5", {{5}}, with_scalar(nb_tensor_pow_scalar, 0.5),
                Domain::Positive});
  // Reductions.
  cs.push_back({"sum", {{2, 3, 4}}, unary(nb_tensor_sum)});
  cs.push_back({"mean", {{2, 3, 4}}, unary(nb_tensor_mean)});
  cs.push_back({"sum_dims {0, -1}", {{2, 3, 4}}, over_dims(nb_tensor_sum_dims, {0, -1}, 0)});
  cs.push_back({"sum_dims {1} keep_dim", {{2, 3, 1}}, over_dims(nb_tensor_sum_dims, {1}, 1)});
  cs.push_back({"sum_dims {0} of transposed", {{3, 4}},
                on_transposed(over_dims(nb_tensor_sum_dims, {0}, 0))});
  cs.push_back({"mean_dims {-2} keep_dim", {{2, 3, 4}},
                over_dims(nb_tensor_mean_dims, {-2}, 1)});
  cs.push_back({"mean_dims {2, 0}", {{2, 3, 4}}, over_dims(nb_tensor_mean_dims, {2, 0}, 0)});
  // Views and copies.
  cs.push_back({"reshape", {{2, 3, 4}}, to_shape(nb_tensor_reshape, {4, -1})});
  cs.push_back({"reshape of transposed (a copy)", {{3, 4}},
                on_transposed(to_shape(nb_tensor_reshape, {12}))});
  cs.push_back({"view", {{2, 3}}, to_shape(nb_tensor_view, {3, 1, 2})});
  cs.push_back({"transpose", {{2, 3, 4}}, [](int32_t f, const In &in, nb_tensor **out) {
                  return nb_tensor_transpose(f, in[0], 0, -1, out);
                }});
  // expand sums the gradient over the broadcast dims, including the new leading one.
  cs.push_back({"expand [3, 1] -> [2, 3, 4]", {{3, 1}}, to_shape(nb_tensor_expand, {2, -1, 4})});
  cs.push_back({"contiguous of transposed", {{3, 4}}, on_transposed(unary(nb_tensor_contiguous))});
  cs.push_back({"clone", {{2, 3}}, unary(nb_tensor_clone)});
  cs.push_back({"clone of transposed", {{2, 3}}, on_transposed(unary(nb_tensor_clone))});
  // to_dtype between f64 and f32 is checked analytically in ToDtypeGradComesBackInTheInputDtype.
  // Matmul, 2-D and with 1-D operands as torch.matmul.
  cs.push_back({"matmul [3, 4] @ [4, 5]", {{3, 4}, {4, 5}}, binary(nb_tensor_matmul), Domain::Any});
  cs.push_back({"matmul [4] @ [4, 5]", {{4}, {4, 5}}, binary(nb_tensor_matmul), Domain::Any});
  cs.push_back({"matmul [3, 4] @ [4]", {{3, 4}, {4}}, binary(nb_tensor_matmul), Domain::Any});
  cs.push_back({"matmul [4] @ [4]", {{4}, {4}}, binary(nb_tensor_matmul), Domain::Any});
  cs.push_back({"matmul [4, 3]^T @ [4, 2]", {{4, 3}, {4, 2}},
                on_transposed(binary(nb_tensor_matmul)), Domain::Any});
  // A composite: mean((a - b)^2 / c), the shape of a loss, with broadcasting.
  cs.push_back({"composite loss", {{4, 3}, {3}, {4, 1}},
                [](int32_t f, const In &in, nb_tensor **out) {
                  nb_tensor *t = nullptr;
                  TRY(nb_tensor_sub(f, in[0], in[1], &t));
                  Tensor d(t);
                  TRY(nb_tensor_pow_scalar(f, d.get(), 2.0, &t));
                  Tensor d2(t);
                  TRY(nb_tensor_div(f, d2.get(), in[2], &t));
                  Tensor q(t);
                  return nb_tensor_mean(f, q.get(), out);
                }});
  return cs;
}

TEST(GradCheck, EveryDifferentiableOp) {
  std::mt19937 rng(1234);
  for (const GradCase &c : grad_cases()) gradcheck(c, rng);
}

TEST(GradCheck, ToDtypeGradComesBackInTheInputDtype) {
  // to_dtype is the identity on values, so x.grad = gradient converted back to x's dtype.
  // (Central differences through f32 rounding would not resolve eps = 1e-6, hence no gradcheck.)
  for (auto [from, to] :
       {std::pair{NB_DTYPE_F64, NB_DTYPE_F32}, std::pair{NB_DTYPE_F32, NB_DTYPE_F64}}) {
    Tensor x = leaf({1, 2, 3}, {3}, from);
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_to_dtype(NB_GRAD, x.get(), to, &raw));
    Tensor y(raw);
    EXPECT_STREQ(nb_tensor_grad_fn_name(y.get()), "ToCopyBackward0");
    Tensor g = from_vector({0.5, -1, 4}, {3}, to);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), g.get(), 0, 0));
    Tensor gx(nb_tensor_grad(x.get()));
    ASSERT_TRUE(gx);
    EXPECT_EQ(nb_tensor_dtype(gx.get()), from);
    EXPECT_EQ(to_vector(gx.get()), (std::vector<double>{0.5, -1, 4}));
  }
}

// ---- create_graph: higher-order gradients ----

TEST(CreateGraph, SecondDerivativeOfCube) {
  int64_t start = nb_live_tensors();
  {
    Tensor x = leaf({1, -2, 3}, {3});
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, x.get(), 3.0, &raw));
    Tensor y(raw);
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
    Tensor s(raw);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 1));  // create_graph

    // y = x^3, so g = dy/dx = 3x^2 = {3, 12, 27}, itself a differentiable function of x.
    Tensor g(nb_tensor_grad(x.get()));
    ASSERT_TRUE(g);
    EXPECT_EQ(to_vector(g.get()), (std::vector<double>{3, 12, 27}));
    EXPECT_TRUE(nb_tensor_requires_grad(g.get()));
    EXPECT_NE(nb_tensor_grad_fn_name(g.get()), nullptr);

    // As in torch: g = x.grad; x.grad = None; g.sum().backward(). Clearing x.grad keeps the
    // second backward from adding 6x onto 3x^2, and breaks the x -> x.grad -> graph -> x cycle.
    NB_ASSERT_OK(nb_tensor_set_grad(x.get(), nullptr));
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, g.get(), &raw));
    Tensor gs(raw);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, gs.get(), nullptr, 0, 0));
    // d/dx sum(3x^2) = 6x = {6, -12, 18}.
    EXPECT_EQ(grad_values(x.get()), (std::vector<double>{6, -12, 18}));
  }
  EXPECT_EQ(nb_live_tensors(), start);
}

// Elementwise f with known f' and f'': backward(sum f(x), create_graph) gives g = f'(x); then
// backward(sum g), with x.grad cleared in between, gives f''(x).
TEST(CreateGraph, SecondDerivativesOfElementwiseFunctions) {
  using T = const nb_tensor *;
  struct Case {
    const char *name;
    std::function<nb_status *(T, nb_tensor **)> f;
    double (*d1)(double);
    double (*d2)(double);
  };
  const std::vector<Case> cases = {
      // x * x * x through mul: 3x^2, 6x (mul's backward must itself be recorded)
      {"x*x*x",
       [](T x, nb_tensor **o) {
         nb_tensor *t = nullptr;
         TRY(nb_tensor_mul(NB_GRAD, x, x, &t));
         Tensor xx(t);
         return nb_tensor_mul(NB_GRAD, xx.get(), x, o);
       },
       [](double x) { return 3 * x * x; }, [](double x) { return 6 * x; }},
      // 1 / x: -1/x^2, 2/x^3
      {"1/x", [](T x, nb_tensor **o) { return nb_tensor_rdiv_scalar(NB_GRAD, x, 1.0, o); },
       [](double x) { return -1 / (x * x); }, [](double x) { return 2 / (x * x * x); }},
      // x / (x + 1): 1/(x+1)^2, -2/(x+1)^3
      {"x/(x+1)",
       [](T x, nb_tensor **o) {
         nb_tensor *t = nullptr;
         TRY(nb_tensor_add_scalar(NB_GRAD, x, 1.0, &t));
         Tensor x1(t);
         return nb_tensor_div(NB_GRAD, x, x1.get(), o);
       },
       [](double x) { return 1 / ((x + 1) * (x + 1)); },
       [](double x) { return -2 / ((x + 1) * (x + 1) * (x + 1)); }},
      // x^2.5: 2.5 x^1.5, 3.75 x^0.5
      {"x^2.5", [](T x, nb_tensor **o) { return nb_tensor_pow_scalar(NB_GRAD, x, 2.5, o); },
       [](double x) { return 2.5 * std::pow(x, 1.5); },
       [](double x) { return 3.75 * std::sqrt(x); }},
  };
  const std::vector<double> xs{0.5, 1.25, 3};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x = leaf(xs, {3});
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(c.f(x.get(), &raw));
    Tensor y(raw);
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
    Tensor s(raw);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 1));
    Tensor g(nb_tensor_grad(x.get()));
    ASSERT_TRUE(g);
    NB_ASSERT_OK(nb_tensor_set_grad(x.get(), nullptr));
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, g.get(), &raw));
    Tensor gs(raw);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, gs.get(), nullptr, 0, 0));
    std::vector<double> g1 = to_vector(g.get()), g2 = grad_values(x.get());
    ASSERT_EQ(g2.size(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      EXPECT_NEAR(g1[i], c.d1(xs[i]), 1e-12) << "f' at " << xs[i];
      EXPECT_NEAR(g2[i], c.d2(xs[i]), 1e-12) << "f'' at " << xs[i];
    }
  }
}

// Like torch.autograd.gradgradcheck, for every case of the first-order check: with v random,
// loss2(x) = sum_k <v_k, dloss/dx_k (x)>; its gradient from a create_graph backward must match
// central differences of the first-order gradients. Linear ops have loss2 constant (gradient 0).
void gradgradcheck(const GradCase &c, std::mt19937 &rng) {
  SCOPED_TRACE(c.name);
  const double eps = 1e-6, atol = 1e-5;
  std::vector<Tensor> in;
  std::vector<nb_tensor *> ptrs;
  std::vector<std::vector<double>> v;
  for (const Shape &s : c.shapes) {
    int64_t n = numel_of(s);
    in.push_back(leaf(c.domain == Domain::Positive ? random_values(rng, n, 0.5, 1.5)
                      : c.domain == Domain::NonZero ? random_nonzero(rng, n, 0.5, 1.5)
                                                    : random_values(rng, n, -1.5, 1.5),
                      s));
    ASSERT_TRUE(in.back());
    ptrs.push_back(in.back().get());
    v.push_back(random_values(rng, n));
  }
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(c.fn(0, ptrs, &raw));
  Shape so = shape_of(raw);
  nb_tensor_free(raw);
  Tensor w = from_vector(random_values(rng, numel_of(so)), so);

  // The first-order gradients; x.grad is cleared after reading (it may hold a graph back to x).
  auto first_grads = [&](int32_t create_graph, std::vector<Tensor> &grads) {
    nb_tensor *o = nullptr;
    NB_ASSERT_OK(c.fn(NB_GRAD, ptrs, &o));
    Tensor out(o);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out.get(), w.get(), 0, create_graph));
    grads.clear();
    for (auto &x : in) {
      grads.emplace_back(nb_tensor_grad(x.get()));
      ASSERT_TRUE(grads.back());
      NB_ASSERT_OK(nb_tensor_set_grad(x.get(), nullptr));
    }
  };
  auto loss2 = [&]() {
    std::vector<Tensor> grads;
    first_grads(0, grads);
    double l = 0;
    for (size_t k = 0; k < grads.size(); ++k) {
      std::vector<double> g = to_vector(grads[k].get());
      for (size_t j = 0; j < g.size(); ++j) l += v[k][j] * g[j];
    }
    return l;
  };

  // Analytic: build loss2 as a graph from the create_graph gradients and backward through it.
  std::vector<Tensor> grads;
  first_grads(1, grads);
  ASSERT_EQ(grads.size(), in.size());
  Tensor total = full({}, 0.0);
  for (size_t k = 0; k < grads.size(); ++k) {
    Tensor vk = from_vector(v[k], c.shapes[k]);
    NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, grads[k].get(), vk.get(), &raw));
    Tensor prod(raw);
    NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, prod.get(), &raw));
    Tensor term(raw);
    NB_ASSERT_OK(nb_tensor_add(NB_GRAD, total.get(), term.get(), &raw));
    total.reset(raw);
  }
  bool depends = nb_tensor_requires_grad(total.get());
  if (depends) NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, total.get(), nullptr, 0, 0));

  // Read every input's .grad before any numeric backward could add to it.
  std::vector<std::vector<double>> analytics;
  for (size_t k = 0; k < in.size(); ++k) {
    Tensor g(nb_tensor_grad(in[k].get()));
    // No .grad: loss2 does not depend on x_k.
    analytics.push_back(g ? to_vector(g.get())
                          : std::vector<double>(static_cast<size_t>(numel_of(c.shapes[k])), 0.0));
    NB_ASSERT_OK(nb_tensor_set_grad(in[k].get(), nullptr));
  }
  for (size_t k = 0; k < in.size(); ++k) {
    const std::vector<double> &analytic = analytics[k];
    double *data = reinterpret_cast<double *>(nb_tensor_data(in[k].get()));
    for (size_t j = 0; j < analytic.size(); ++j) {
      double x0 = data[j];
      data[j] = x0 + eps;
      double lp = loss2();
      data[j] = x0 - eps;
      double lm = loss2();
      data[j] = x0;
      EXPECT_NEAR(analytic[j], (lp - lm) / (2 * eps), atol) << "input " << k << " element " << j;
    }
  }
}

TEST(CreateGraph, GradGradCheckEveryDifferentiableOp) {
  int64_t start = nb_live_tensors();
  std::mt19937 rng(4321);
  for (const GradCase &c : grad_cases()) gradgradcheck(c, rng);
  EXPECT_EQ(nb_live_tensors(), start) << "create_graph gradients leaked";
}

TEST(CreateGraph, WithoutItTheGradHasNoGraph) {
  Tensor x = leaf({1, 2}, {2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, x.get(), 3.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, y.get(), &raw));
  Tensor s(raw);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  Tensor g(nb_tensor_grad(x.get()));
  ASSERT_TRUE(g);
  EXPECT_FALSE(nb_tensor_requires_grad(g.get()));
  EXPECT_EQ(nb_tensor_grad_fn_name(g.get()), nullptr);
}

// ---- threads ----

TEST(Threads, IndependentGraphsInParallel) {
  // No hidden global state: graphs built and differentiated on different threads do not
  // interfere, and the live tensor count (shared) stays exact.
  int64_t start = nb_live_tensors();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int iter = 0; iter < 200; ++iter) {
        double x0 = t + 1 + iter * 1e-3;
        Shape shape{3, 5};
        nb_tensor *x = nullptr, *y = nullptr, *s = nullptr;
        bool ok = nb_tensor_full(NB_DTYPE_F64, shape.data(), 2, x0, &x) == nullptr &&
                  nb_tensor_set_requires_grad(x, 1) == nullptr &&
                  nb_tensor_mul(NB_GRAD, x, x, &y) == nullptr &&
                  nb_tensor_mean(NB_GRAD, y, &s) == nullptr &&
                  nb_tensor_backward(NB_GRAD, s, nullptr, 0, 0) == nullptr;
        // s = mean(x^2) over 15 elements: ds/dx = 2x / 15.
        nb_tensor *g = ok ? nb_tensor_grad(x) : nullptr;
        if (!g || std::fabs(to_vector(g)[7] - 2 * x0 / 15) > 1e-12) failures++;
        nb_tensor_free(g);
        nb_tensor_free(s);
        nb_tensor_free(y);
        nb_tensor_free(x);
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(nb_live_tensors(), start);
}

}  // namespace
