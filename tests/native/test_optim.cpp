// The fused optimizer step (adam_step_) against a naive loop of PyTorch's single-tensor Adam, on
// sizes around the vector width and the parallel grain, every option combination, strided
// parameters, NaN and inf gradients, and its argument errors.
#include "test_util.h"

using namespace nbtest;

namespace {

struct AdamOpts {
  double lr, beta1, beta2, eps, wd, step;
  bool amsgrad, decoupled, maximize;
};

// torch/optim/adam.py, _single_tensor_adam, one element, in T (PyTorch casts the scalars to the
// tensor's dtype). Written independently of the kernel: lerp in ATen's two-sided form.
template <class T>
void adam_ref(T &p, T grad, T &m, T &v, T &vmax, const AdamOpts &o) {
  T g = o.maximize ? -grad : grad;
  if (o.wd != 0 && o.decoupled) p = p * T(1 - o.lr * o.wd);
  if (o.wd != 0 && !o.decoupled) g = g + T(o.wd) * p;
  const T w = T(1 - o.beta1);
  m = std::abs(w) < T(0.5) ? m + w * (g - m) : g - (g - m) * (T(1) - w);
  v = v * T(o.beta2);
  v = v + T(1 - o.beta2) * g * g;
  T second = v;
  if (o.amsgrad) {
    vmax = (std::isnan(vmax) || vmax > v) ? vmax : v;
    second = vmax;
  }
  const double bc1 = 1 - std::pow(o.beta1, o.step), bc2 = 1 - std::pow(o.beta2, o.step);
  const T denom = std::sqrt(second) / T(std::sqrt(bc2)) + T(o.eps);
  p = p + T(-(o.lr / bc1)) * m / denom;
}

std::string adam_call(const std::vector<const nb_tensor *> &in, const AdamOpts &o) {
  double f[] = {o.lr, o.beta1, o.beta2, o.eps, o.wd, o.step};
  int64_t i[] = {o.amsgrad, o.decoupled, o.maximize};
  nb_tensor *outs[1] = {};
  int32_t n = -1;
  nb_status *s = nb_op_call(0, nb_op_find("adam_step_"), in.data(), static_cast<int32_t>(in.size()), f, 6, i, 3,
                            outs, 1, &n);
  if (s) return take_message(s);
  EXPECT_EQ(n, 0);
  return "";
}

int64_t version_of(const nb_tensor *t) { return nb_tensor_version(t); }

template <class T>
void check_case(int32_t dt, int64_t n, const AdamOpts &o, bool strided, std::mt19937 &rng) {
  SCOPED_TRACE("n " + std::to_string(n) + " dtype " + std::to_string(dt) + " wd " + std::to_string(o.wd) +
               (o.decoupled ? " AdamW" : "") + (o.amsgrad ? " amsgrad" : "") + (o.maximize ? " maximize" : "") +
               (strided ? " strided" : "") + " step " + std::to_string(o.step));
  // [rows, 3] so that a transposed view is a strided parameter of the same values.
  Shape shape{n, 3};
  auto pv = rounded(random_values(rng, 3 * n, -2, 2), dt), gv = rounded(random_values(rng, 3 * n), dt);
  auto mv = rounded(random_values(rng, 3 * n, -0.1, 0.1), dt), vv = rounded(random_values(rng, 3 * n, 0, 0.01), dt);
  auto xv = rounded(random_values(rng, 3 * n, 0, 0.02), dt);
  if (n > 4) {  // NaN and inf gradients, a zero and a tiny (denormal-squared) one
    gv[1] = NAN;
    gv[2] = INFINITY;
    gv[3] = 0;
    gv[4] = 1e-30;
  }
  Tensor p = strided ? strided_from_vector(pv, shape, dt) : from_vector(pv, shape, dt);
  Tensor g = from_vector(gv, shape, dt), m = from_vector(mv, shape, dt), v = from_vector(vv, shape, dt);
  Tensor vmax = from_vector(xv, shape, dt);
  std::vector<const nb_tensor *> in{p.get(), g.get(), m.get(), v.get()};
  if (o.amsgrad) in.push_back(vmax.get());
  const int64_t p_version = version_of(p.get()), g_version = version_of(g.get());
  ASSERT_EQ(adam_call(in, o), "");
  EXPECT_GT(version_of(p.get()), p_version) << "param's version is bumped";
  EXPECT_EQ(version_of(g.get()), g_version) << "the gradient is only read";
  auto gp = to_vector(p.get()), gm = to_vector(m.get()), gvv = to_vector(v.get()), gx = to_vector(vmax.get());
  for (int64_t i = 0; i < 3 * n; ++i) {
    T pr = T(pv[i]), mr = T(mv[i]), vr = T(vv[i]), xr = T(xv[i]);
    adam_ref<T>(pr, T(gv[i]), mr, vr, xr, o);
    // Same operations in the same order: equal up to the last bit or two (the vector sqrt and
    // division are correctly rounded, as the scalar ones).
    auto same = [&](double got, T want, const char *what) {
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << what << " at " << i;
      } else if (std::isinf(want)) {
        EXPECT_EQ(got, double(want)) << what << " at " << i;
      } else {
        EXPECT_NEAR(got, double(want), std::fabs(double(want)) * 4 * std::numeric_limits<T>::epsilon())
            << what << " at " << i;
      }
    };
    same(gp[i], pr, "param");
    same(gm[i], mr, "exp_avg");
    same(gvv[i], vr, "exp_avg_sq");
    if (o.amsgrad) same(gx[i], xr, "max_exp_avg_sq");
  }
}

TEST(AdamStep, MatchesPyTorchsLoopForEveryOption) {
  std::mt19937 rng(17);
  const int64_t sizes[] = {1, 2, 5, 11, 37, 3001, 40000};  // 3n elements: tails and several parallel chunks
  int k = 0;
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
    for (int64_t n : sizes)
      for (bool ams : {false, true})
        for (int wdmode : {0, 1, 2}) {
          AdamOpts o{1e-3 * (1 + k % 3), 0.9, 0.999, 1e-8, wdmode ? 0.05 : 0.0, double(1 + k % 5), ams,
                     wdmode == 2, k % 4 == 1};
          if (k % 7 == 3) o.beta1 = 0.3;  // lerp's other form (weight 1 - beta1 >= 0.5)
          bool strided = k % 3 == 2;
          ++k;
          if (dt == NB_DTYPE_F32)
            check_case<float>(dt, n, o, strided, rng);
          else
            check_case<double>(dt, n, o, strided, rng);
        }
}

TEST(AdamStep, RejectsMismatchedArguments) {
  AdamOpts o{1e-3, 0.9, 0.999, 1e-8, 0, 1, false, false, false};
  Tensor p = full({2, 3}, 1.0), g = full({2, 3}, 1.0), m = full({2, 3}, 0.0), v = full({3, 2}, 0.0);
  std::string e = adam_call({p.get(), g.get(), m.get(), v.get()}, o);
  EXPECT_NE(e.find("adam_step_: exp_avg_sq has shape [3, 2] but the parameter has shape [2, 3]"), std::string::npos) << e;
  Tensor g32 = full({2, 3}, 1.0, NB_DTYPE_F32), v2 = full({2, 3}, 0.0);
  e = adam_call({p.get(), g32.get(), m.get(), v2.get()}, o);
  EXPECT_NE(e.find("adam_step_: grad has dtype float32 but the parameter has float64"), std::string::npos) << e;
  e = adam_call({p.get(), g.get(), m.get()}, o);
  EXPECT_NE(e.find("expected 4 tensors, got 3"), std::string::npos) << e;
  Tensor pi = full({2, 3}, 1.0, NB_DTYPE_I64), gi = full({2, 3}, 1.0, NB_DTYPE_I64);
  Tensor mi = full({2, 3}, 0.0, NB_DTYPE_I64), vi = full({2, 3}, 0.0, NB_DTYPE_I64);
  e = adam_call({pi.get(), gi.get(), mi.get(), vi.get()}, o);
  EXPECT_NE(e.find("parameters must be float32 or float64, got int64"), std::string::npos) << e;
}

}  // namespace
