// Autograd beyond backward(), through the C ABI: autograd.grad, several roots, hooks and custom
// functions over the callback, detach_, and anomaly mode. PyTorch is the reference for values and
// messages.
#include <map>
#include <vector>

#include "test_util.h"

using namespace nbtest;

namespace {

Tensor leaf(const std::vector<double>& v, const Shape& s) {
  Tensor t = from_vector(v, s, NB_DTYPE_F64);
  NB_EXPECT_OK(nb_tensor_set_requires_grad(t.get(), 1));
  return t;
}

Tensor op1(nb_status* (*f)(int32_t, const nb_tensor*, double, nb_tensor**), const Tensor& a,
           double s, int32_t flags = NB_GRAD) {
  nb_tensor* out = nullptr;
  NB_EXPECT_OK(f(flags, a.get(), s, &out));
  return Tensor(out);
}

Tensor op2(nb_status* (*f)(int32_t, const nb_tensor*, const nb_tensor*, nb_tensor**),
           const Tensor& a, const Tensor& b, int32_t flags = NB_GRAD) {
  nb_tensor* out = nullptr;
  NB_EXPECT_OK(f(flags, a.get(), b.get(), &out));
  return Tensor(out);
}

Tensor sum(const Tensor& a, int32_t flags = NB_GRAD) {
  nb_tensor* out = nullptr;
  NB_EXPECT_OK(nb_tensor_sum(flags, a.get(), &out));
  return Tensor(out);
}

// grad(outputs, inputs) with ones for scalar outputs; returns the status message ("" on success).
std::string grad(std::vector<const nb_tensor*> outs, std::vector<const nb_tensor*> ins,
                 std::vector<Tensor>* res, bool create = false, bool allow_unused = false,
                 int32_t flags = 0) {
  std::vector<nb_tensor*> raw(ins.size(), nullptr);
  std::string msg = take_message(nb_autograd_grad(flags, outs.data(), nullptr,
                                                  static_cast<int32_t>(outs.size()), ins.data(),
                                                  static_cast<int32_t>(ins.size()), 0, create,
                                                  allow_unused, raw.data()));
  res->clear();
  for (nb_tensor* t : raw) res->emplace_back(t);
  return msg;
}

// ---- a test callback: hooks scale by a factor kept per id; functions are cubes ----

struct Recorder {
  std::map<int64_t, double> hook_scale;  // id -> factor (0: observe only)
  std::vector<std::vector<double>> seen;
  std::vector<int64_t> released;
  int post_calls = 0;
  int free_saved = 0;
  int64_t fail_id = -1;
  std::map<int64_t, Tensor> cube_input;  // function id -> its saved x
} g_rec;

int32_t callback(int32_t kind, int64_t id, int32_t flags, nb_tensor* const* in, int32_t n_in,
                 nb_tensor** out, int32_t n_out) {
  if (id == g_rec.fail_id) return 7;
  switch (kind) {
    case NB_CB_TENSOR_HOOK: {
      g_rec.seen.push_back(to_vector(in[0]));
      double s = g_rec.hook_scale[id];
      if (s != 0) NB_EXPECT_OK(nb_tensor_mul_scalar(flags, in[0], s, &out[0]));
      return 0;
    }
    case NB_CB_POST_ACCUMULATE: {
      ++g_rec.post_calls;
      Tensor g(nb_tensor_grad(in[0]));
      if (g) g_rec.seen.push_back(to_vector(g.get()));
      return 0;
    }
    case NB_CB_FUNCTION_BACKWARD: {
      // d/dx x^3 = 3x^2, written with differentiable ops so create_graph works.
      const Tensor& x = g_rec.cube_input[id];
      nb_tensor *x2 = nullptr, *x2s = nullptr;
      NB_EXPECT_OK(nb_tensor_pow_scalar(flags, x.get(), 2.0, &x2));
      NB_EXPECT_OK(nb_tensor_mul_scalar(flags, x2, 3.0, &x2s));
      NB_EXPECT_OK(nb_tensor_mul(flags, x2s, in[0], &out[0]));
      nb_tensor_free(x2);
      nb_tensor_free(x2s);
      return 0;
    }
    case NB_CB_FREE_SAVED:
      ++g_rec.free_saved;
      return 0;
    case NB_CB_RELEASE:
      g_rec.released.push_back(id);
      g_rec.cube_input.erase(id);
      return 0;
  }
  return 1;
}

class AutogradFeatures : public ::testing::Test {
 protected:
  void SetUp() override {
    g_rec = Recorder{};
    nb_set_callback(reinterpret_cast<intptr_t>(&callback));
  }
  void TearDown() override {
    g_rec.cube_input.clear();
    nb_set_callback(0);
    EXPECT_EQ(nb_live_tensors(), 0) << "a test leaked tensors";
  }
};

// y = cube(x) through a custom function with id `id`.
Tensor cube(const Tensor& x, int64_t id, int32_t flags = NB_GRAD) {
  Tensor raw = op1(nb_tensor_pow_scalar, x, 3.0, 0);
  g_rec.cube_input[id] = Tensor(nb_tensor_retain(x.get()));
  const nb_tensor* ins[] = {x.get()};
  const nb_tensor* outs[] = {raw.get()};
  nb_tensor* res = nullptr;
  NB_EXPECT_OK(nb_function_record(flags, id, "CubeBackward", ins, 1, outs, 1, 1, &res));
  return Tensor(res);
}

}  // namespace

// ---- autograd.grad ----

TEST_F(AutogradFeatures, GradReturnsGradientsWithoutTouchingDotGrad) {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor y = sum(op1(nb_tensor_pow_scalar, x, 2.0));  // y = sum(x^2), dy/dx = 2x
  std::vector<Tensor> g;
  ASSERT_EQ(grad({y.get()}, {x.get()}, &g), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(nb_tensor_grad(x.get()), nullptr);
}

TEST_F(AutogradFeatures, GradWithRespectToANonLeafAndSeveralOutputs) {
  Tensor x = leaf({1, 2}, {2});
  Tensor h = op1(nb_tensor_mul_scalar, x, 3.0);       // h = 3x
  Tensor y1 = sum(op1(nb_tensor_pow_scalar, h, 2.0));  // y1 = sum(h^2): dy1/dh = 2h = [6, 12]
  Tensor y2 = sum(h);                                  // dy2/dh = 1
  std::vector<Tensor> g;
  ASSERT_EQ(grad({y1.get(), y2.get()}, {h.get(), x.get()}, &g), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{7, 13}));
  // d/dx = 3 * (2h + 1) = [21, 39]
  EXPECT_EQ(to_vector(g[1].get()), (std::vector<double>{21, 39}));
  EXPECT_EQ(nb_tensor_grad(x.get()), nullptr);
  EXPECT_EQ(nb_tensor_grad(h.get()), nullptr);
}

TEST_F(AutogradFeatures, GradRunsOnlyTheNodesThatLeadToAnInput) {
  Tensor x = leaf({2}, {1});
  Tensor w = leaf({5}, {1});
  Tensor y = sum(op2(nb_tensor_mul, x, w));
  // A hook on w's leaf would run if w's branch ran; autograd.grad w.r.t. x must not go there.
  NB_ASSERT_OK(nb_tensor_register_hook(w.get(), 1));
  std::vector<Tensor> g;
  ASSERT_EQ(grad({y.get()}, {x.get()}, &g), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{5}));
  EXPECT_TRUE(g_rec.seen.empty());
}

TEST_F(AutogradFeatures, UnusedInputFailsUnlessAllowed) {
  Tensor x = leaf({1}, {1});
  Tensor z = leaf({1}, {1});
  Tensor y = sum(op1(nb_tensor_mul_scalar, x, 2.0));
  std::vector<Tensor> g;
  std::string msg = grad({y.get()}, {x.get(), z.get()}, &g, false, false);
  EXPECT_NE(msg.find("One of the differentiated Tensors appears to not have been used in the graph. "
                     "Set allowUnused=true if this is the desired behavior."),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.rfind("code 3", 0), 0u) << msg;
  Tensor y2 = sum(op1(nb_tensor_mul_scalar, x, 2.0));
  ASSERT_EQ(grad({y2.get()}, {x.get(), z.get()}, &g, false, true), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{2}));
  EXPECT_EQ(g[1], nullptr);
}

TEST_F(AutogradFeatures, GradOfAnInputThatDoesNotRequireGradFails) {
  Tensor x = leaf({1}, {1});
  Tensor c = from_vector({1}, {1}, NB_DTYPE_F64);
  Tensor y = sum(op2(nb_tensor_mul, x, c));
  std::vector<Tensor> g;
  std::string msg = grad({y.get()}, {c.get()}, &g);
  EXPECT_NE(msg.find("One of the differentiated Tensors does not require grad"), std::string::npos)
      << msg;
}

TEST_F(AutogradFeatures, SecondDerivativeThroughGradWithCreateGraph) {
  Tensor x = leaf({2}, {1});
  Tensor y = sum(op1(nb_tensor_pow_scalar, x, 3.0));
  std::vector<Tensor> g, gg;
  ASSERT_EQ(grad({y.get()}, {x.get()}, &g, true), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{12}));  // 3x^2 at 2
  Tensor s = sum(g[0]);
  ASSERT_EQ(grad({s.get()}, {x.get()}, &gg), "");
  EXPECT_EQ(to_vector(gg[0].get()), (std::vector<double>{12}));  // 6x at 2
}

TEST_F(AutogradFeatures, BackwardWithSeveralRoots) {
  Tensor x = leaf({1, 2}, {2});
  Tensor a = sum(op1(nb_tensor_mul_scalar, x, 2.0));
  Tensor b = op1(nb_tensor_pow_scalar, x, 2.0);
  Tensor gb = from_vector({1, 10}, {2}, NB_DTYPE_F64);
  const nb_tensor* roots[] = {a.get(), b.get()};
  const nb_tensor* grads[] = {nullptr, gb.get()};
  NB_ASSERT_OK(nb_autograd_backward(0, roots, grads, 2, 0, 0));
  // 2 + 2x * [1, 10] = [4, 42]
  Tensor g(nb_tensor_grad(x.get()));
  EXPECT_EQ(to_vector(g.get()), (std::vector<double>{4, 42}));
}

// ---- hooks ----

TEST_F(AutogradFeatures, LeafHookReplacesTheGradientBeforeAccumulation) {
  Tensor x = leaf({1, 2}, {2});
  g_rec.hook_scale[5] = 10;
  NB_ASSERT_OK(nb_tensor_register_hook(x.get(), 5));
  Tensor y = sum(op1(nb_tensor_mul_scalar, x, 3.0));
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 0, 0));
  ASSERT_EQ(g_rec.seen.size(), 1u);
  EXPECT_EQ(g_rec.seen[0], (std::vector<double>{3, 3}));
  Tensor g(nb_tensor_grad(x.get()));
  EXPECT_EQ(to_vector(g.get()), (std::vector<double>{30, 30}));
}

TEST_F(AutogradFeatures, NonLeafHookChangesWhatFlowsOn) {
  Tensor x = leaf({1}, {1});
  Tensor h = op1(nb_tensor_mul_scalar, x, 2.0);
  g_rec.hook_scale[9] = -1;
  NB_ASSERT_OK(nb_tensor_register_hook(h.get(), 9));
  Tensor y = sum(op1(nb_tensor_mul_scalar, h, 5.0));
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 0, 0));
  EXPECT_EQ(g_rec.seen[0], (std::vector<double>{5}));
  Tensor g(nb_tensor_grad(x.get()));
  EXPECT_EQ(to_vector(g.get()), (std::vector<double>{-10}));  // 2 * (-1 * 5)
  y.reset();
  h.reset();
  // The node died with the graph: its hook id is released.
  EXPECT_NE(std::find(g_rec.released.begin(), g_rec.released.end(), 9), g_rec.released.end());
}

TEST_F(AutogradFeatures, HookAppliesToCapturedGradients) {
  Tensor x = leaf({1}, {1});
  g_rec.hook_scale[4] = 2;
  NB_ASSERT_OK(nb_tensor_register_hook(x.get(), 4));
  Tensor y = sum(op1(nb_tensor_mul_scalar, x, 3.0));
  std::vector<Tensor> g;
  ASSERT_EQ(grad({y.get()}, {x.get()}, &g), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{6}));
}

TEST_F(AutogradFeatures, PostAccumulateHookSeesTheNewGrad) {
  Tensor x = leaf({1}, {1});
  NB_ASSERT_OK(nb_tensor_register_post_accumulate_grad_hook(x.get(), 3));
  Tensor y = sum(op1(nb_tensor_mul_scalar, x, 4.0));
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 0, 0));
  EXPECT_EQ(g_rec.post_calls, 1);
  EXPECT_EQ(g_rec.seen[0], (std::vector<double>{4}));
  Tensor h = op1(nb_tensor_mul_scalar, x, 2.0);
  EXPECT_NE(expect_error(nb_tensor_register_post_accumulate_grad_hook(h.get(), 8), NB_ERR_STATE)
                .find("post accumulate grad hooks cannot be registered on non-leaf tensors"),
            std::string::npos);
}

TEST_F(AutogradFeatures, HookOnATensorWithoutGradFails) {
  Tensor c = from_vector({1}, {1}, NB_DTYPE_F64);
  EXPECT_NE(expect_error(nb_tensor_register_hook(c.get(), 1), NB_ERR_STATE)
                .find("cannot register a hook on a tensor that doesn't require gradient"),
            std::string::npos);
}

TEST_F(AutogradFeatures, FailingCallbackFailsBackwardWithoutLeaks) {
  Tensor x = leaf({1}, {1});
  g_rec.fail_id = 6;
  NB_ASSERT_OK(nb_tensor_register_hook(x.get(), 6));
  Tensor y = sum(op1(nb_tensor_mul_scalar, x, 4.0));
  std::string msg = expect_error(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 0, 0),
                                 NB_ERR_CALLBACK);
  EXPECT_NE(msg.find("callback failed"), std::string::npos) << msg;
  EXPECT_EQ(nb_tensor_grad(x.get()), nullptr);
  g_rec.fail_id = -1;
}

// ---- custom functions ----

TEST_F(AutogradFeatures, CustomCubeGradientAndSecondDerivative) {
  Tensor x = leaf({2, -1}, {2});
  Tensor y = cube(x, 100);
  EXPECT_STREQ(nb_tensor_grad_fn_name(y.get()), "CubeBackward");
  EXPECT_EQ(to_vector(y.get()), (std::vector<double>{8, -1}));
  Tensor s = sum(y);
  std::vector<Tensor> g, gg;
  ASSERT_EQ(grad({s.get()}, {x.get()}, &g, true), "");
  EXPECT_EQ(to_vector(g[0].get()), (std::vector<double>{12, 3}));  // 3x^2
  Tensor gs = sum(g[0]);
  ASSERT_EQ(grad({gs.get()}, {x.get()}, &gg), "");
  EXPECT_EQ(to_vector(gg[0].get()), (std::vector<double>{12, -6}));  // 6x
}

TEST_F(AutogradFeatures, CustomFunctionBackwardTwiceFailsAndIdIsReleased) {
  Tensor x = leaf({2}, {1});
  Tensor y = cube(x, 101);
  Tensor s = sum(y);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0));
  EXPECT_EQ(g_rec.free_saved, 1);
  std::string msg = expect_error(nb_tensor_backward(NB_GRAD, s.get(), nullptr, 0, 0), NB_ERR_STATE);
  EXPECT_NE(msg.find("Trying to backward through the graph a second time"), std::string::npos);
  s.reset();
  y.reset();
  EXPECT_EQ(g_rec.released, (std::vector<int64_t>{101}));
}

TEST_F(AutogradFeatures, CustomFunctionWithoutGradRecordsNothing) {
  Tensor x = leaf({2}, {1});
  Tensor y = cube(x, 102, 0);
  EXPECT_EQ(nb_tensor_grad_fn_name(y.get()), nullptr);
  EXPECT_EQ(g_rec.released, (std::vector<int64_t>{102}));
}

// ---- detach_ ----

TEST_F(AutogradFeatures, DetachInPlaceCutsTheGraph) {
  Tensor x = leaf({1}, {1});
  Tensor y = op1(nb_tensor_mul_scalar, x, 2.0);
  EXPECT_NE(nb_tensor_grad_fn_id(y.get()), 0);
  NB_ASSERT_OK(nb_tensor_detach_(y.get()));
  EXPECT_EQ(nb_tensor_requires_grad(y.get()), 0);
  EXPECT_EQ(nb_tensor_is_leaf(y.get()), 1);
  EXPECT_EQ(nb_tensor_grad_fn_id(y.get()), 0);
  nb_tensor* v = nullptr;
  NB_ASSERT_OK(nb_tensor_detach(x.get(), &v));
  Tensor view(v);
  EXPECT_NE(expect_error(nb_tensor_detach_(view.get()), NB_ERR_STATE)
                .find("Can't detach views in-place. Use detach() instead."),
            std::string::npos);
}

// ---- anomaly mode ----

TEST_F(AutogradFeatures, AnomalyModeNamesTheNodeThatReturnedNan) {
  Tensor x = leaf({0, 1}, {2});
  Tensor r = op1(nb_tensor_pow_scalar, x, 0.5);  // d/dx sqrt(x) = 0.5 / sqrt(x): inf at 0
  NB_ASSERT_OK(nb_tensor_set_anomaly_trace(r.get(), "at Forward.main(Forward.java:7)"));
  Tensor z = op1(nb_tensor_mul_scalar, r, 0.0);
  Tensor y = sum(z);
  // Without anomaly mode the nan just flows into .grad (0 * inf).
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), nullptr, 1, 0));
  Tensor g(nb_tensor_grad(x.get()));
  EXPECT_TRUE(std::isnan(to_vector(g.get())[0]));
  std::string msg = expect_error(nb_tensor_backward(NB_ANOMALY, y.get(), nullptr, 1, 0), NB_ERR_STATE);
  EXPECT_NE(msg.find("Function 'PowBackward0' returned nan values in its 0th output."),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("at Forward.main(Forward.java:7)"), std::string::npos) << msg;
}
