// The fused optimizer steps (adam_step_, sgd_step_, rmsprop_step_) against naive loops of PyTorch's
// single-tensor Adam, SGD and RMSprop, on sizes around the vector width and the parallel grain, every option combination,
// strided parameters, NaN and inf gradients, and their argument errors.
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

// A kernel's element against the reference loop's: the same operations in the same order, so equal
// up to the last bit or two (vector sqrt and division round correctly, as the scalar ones); NaN as
// NaN, infinities exactly.
template <class T>
void expect_within_rounding(double got, T want, const char *what, int64_t i) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << " at " << i;
  } else if (std::isinf(want)) {
    EXPECT_EQ(got, double(want)) << what << " at " << i;
  } else {
    EXPECT_NEAR(got, double(want), std::fabs(double(want)) * 4 * std::numeric_limits<T>::epsilon())
        << what << " at " << i;
  }
}

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
    auto same = [&](double got, T want, const char *what) { expect_within_rounding(got, want, what, i); };
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

// ---- sgd_step_ ----

struct SgdOpts {
  double lr, momentum, dampening, wd;
  bool nesterov, maximize, first;
};

// torch/optim/sgd.py, _single_tensor_sgd, one element, in T, each op rounded on its own.
template <class T>
void sgd_ref(T &p, T grad, T &buf, const SgdOpts &o) {
  T g = o.maximize ? -grad : grad;
  if (o.wd != 0) g = g + T(o.wd) * p;                   // grad.add(param, alpha=wd)
  if (o.momentum != 0) {
    if (o.first) {
      buf = g;                                          // torch.clone(grad)
    } else {
      buf = buf * T(o.momentum);                        // buf.mul_(momentum)
      buf = buf + T(1 - o.dampening) * g;               //    .add_(grad, alpha=1 - dampening)
    }
    g = o.nesterov ? g + T(o.momentum) * buf : buf;     // grad.add(buf, alpha=momentum) or buf
  }
  p = p + T(-o.lr) * g;                                 // param.add_(grad, alpha=-lr)
}

std::string sgd_call(const std::vector<const nb_tensor *> &in, const SgdOpts &o) {
  double f[] = {o.lr, o.momentum, o.dampening, o.wd};
  int64_t i[] = {o.nesterov, o.maximize, o.first};
  nb_tensor *outs[1] = {};
  int32_t n = -1;
  nb_status *s = nb_op_call(0, nb_op_find("sgd_step_"), in.data(), static_cast<int32_t>(in.size()), f, 4, i, 3,
                            outs, 1, &n);
  if (s) return take_message(s);
  EXPECT_EQ(n, 0);
  return "";
}

template <class T>
void check_sgd(int32_t dt, int64_t n, const SgdOpts &o, bool strided, std::mt19937 &rng) {
  SCOPED_TRACE("n " + std::to_string(n) + " dtype " + std::to_string(dt) + " momentum " + std::to_string(o.momentum) +
               " dampening " + std::to_string(o.dampening) + " wd " + std::to_string(o.wd) +
               (o.nesterov ? " nesterov" : "") + (o.maximize ? " maximize" : "") + (o.first ? " first" : "") +
               (strided ? " strided" : ""));
  Shape shape{n, 3};
  auto pv = rounded(random_values(rng, 3 * n, -2, 2), dt), gv = rounded(random_values(rng, 3 * n), dt);
  auto bv = rounded(random_values(rng, 3 * n, -0.5, 0.5), dt);
  if (n > 4) {
    gv[1] = NAN;
    gv[2] = INFINITY;
    gv[3] = -0.0;
    bv[4] = NAN;  // read only after the first step
  }
  Tensor p = strided ? strided_from_vector(pv, shape, dt) : from_vector(pv, shape, dt);
  Tensor g = from_vector(gv, shape, dt), b = from_vector(bv, shape, dt);
  std::vector<const nb_tensor *> in{p.get(), g.get()};
  if (o.momentum != 0) in.push_back(b.get());
  const int64_t p_version = version_of(p.get()), g_version = version_of(g.get()), b_version = version_of(b.get());
  ASSERT_EQ(sgd_call(in, o), "");
  EXPECT_GT(version_of(p.get()), p_version) << "param's version is bumped";
  EXPECT_EQ(version_of(g.get()), g_version) << "the gradient is only read";
  if (o.momentum != 0) EXPECT_GT(version_of(b.get()), b_version) << "the buffer's version is bumped";
  auto gp = to_vector(p.get()), gb = to_vector(b.get());
  for (int64_t i = 0; i < 3 * n; ++i) {
    T pr = T(pv[i]), br = T(bv[i]);
    sgd_ref<T>(pr, T(gv[i]), br, o);
    // The same operations in the same order, none contracted: equal to the bit (NaN as NaN).
    auto same = [&](double got, T want, const char *what) {
      if (std::isnan(want))
        EXPECT_TRUE(std::isnan(got)) << what << " at " << i;
      else
        EXPECT_TRUE(got == double(want) && std::signbit(got) == std::signbit(want))
            << what << " at " << i << ": " << got << " want " << double(want);
    };
    same(gp[i], pr, "param");
    if (o.momentum != 0) same(gb[i], br, "momentum_buffer");
  }
}

TEST(SgdStep, MatchesPyTorchsLoopForEveryOption) {
  std::mt19937 rng(19);
  const int64_t sizes[] = {1, 2, 5, 11, 37, 3001, 40000};
  int k = 0;
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
    for (int64_t n : sizes)
      for (int mode : {0, 1, 2, 3, 4})  // no momentum; momentum first / later step; Nesterov first / later
        for (bool wd : {false, true}) {
          SgdOpts o{0.01 * (1 + k % 3), mode == 0 ? 0.0 : 0.9, mode == 2 ? 0.1 : 0.0, wd ? 1e-3 : 0.0,
                    mode >= 3, k % 4 == 1, mode == 1 || mode == 3};
          bool strided = k % 3 == 2;
          ++k;
          if (dt == NB_DTYPE_F32)
            check_sgd<float>(dt, n, o, strided, rng);
          else
            check_sgd<double>(dt, n, o, strided, rng);
        }
}

TEST(SgdStep, RejectsMismatchedArguments) {
  SgdOpts o{0.1, 0.9, 0, 0, false, false, false};
  Tensor p = full({2, 3}, 1.0), g = full({2, 3}, 1.0), b = full({3, 2}, 0.0);
  std::string e = sgd_call({p.get(), g.get(), b.get()}, o);
  EXPECT_NE(e.find("sgd_step_: momentum_buffer has shape [3, 2] but the parameter has shape [2, 3]"),
            std::string::npos) << e;
  Tensor g32 = full({2, 3}, 1.0, NB_DTYPE_F32);
  e = sgd_call({p.get(), g32.get()}, SgdOpts{0.1, 0, 0, 0, false, false, false});
  EXPECT_NE(e.find("sgd_step_: grad has dtype float32 but the parameter has float64"), std::string::npos) << e;
  e = sgd_call({p.get(), g.get()}, o);
  EXPECT_NE(e.find("expected 3 tensors (param, grad, momentum_buffer) with momentum, got 2"), std::string::npos) << e;
  Tensor pi = full({2, 3}, 1.0, NB_DTYPE_I64), gi = full({2, 3}, 1.0, NB_DTYPE_I64);
  e = sgd_call({pi.get(), gi.get()}, SgdOpts{0.1, 0, 0, 0, false, false, false});
  EXPECT_NE(e.find("parameters must be float32 or float64, got int64"), std::string::npos) << e;
}

// ---- rmsprop_step_ ----

struct RmsOpts {
  double lr, alpha, eps, wd, momentum;
  bool centered, maximize;
};

// torch/optim/rmsprop.py, _single_tensor_rmsprop, one element, in T; lerp in ATen's two-sided form,
// addcmul as self + (value * t1) * t2, addcdiv as self + value * (t1 / t2).
template <class T>
void rms_ref(T &p, T grad, T &v, T &m, T &buf, const RmsOpts &o) {
  T g = o.maximize ? -grad : grad;
  if (o.wd != 0) g = g + T(o.wd) * p;
  v = v * T(o.alpha);
  v = v + T(1 - o.alpha) * g * g;
  T avg;
  if (o.centered) {
    const T w = T(1 - o.alpha);
    m = std::abs(w) < T(0.5) ? m + w * (g - m) : g - (g - m) * (T(1) - w);
    avg = std::sqrt(v + T(-1) * m * m);
  } else {
    avg = std::sqrt(v);
  }
  avg = avg + T(o.eps);
  if (o.momentum > 0) {
    buf = buf * T(o.momentum);
    buf = buf + T(1) * (g / avg);
    p = p + T(-o.lr) * buf;
  } else {
    p = p + T(-o.lr) * (g / avg);
  }
}

std::string rms_call(const std::vector<const nb_tensor *> &in, const RmsOpts &o) {
  double f[] = {o.lr, o.alpha, o.eps, o.wd, o.momentum};
  int64_t i[] = {o.centered, o.maximize};
  nb_tensor *outs[1] = {};
  int32_t n = -1;
  nb_status *s = nb_op_call(0, nb_op_find("rmsprop_step_"), in.data(), static_cast<int32_t>(in.size()), f, 5, i, 2,
                            outs, 1, &n);
  if (s) return take_message(s);
  EXPECT_EQ(n, 0);
  return "";
}

template <class T>
void check_rms(int32_t dt, int64_t n, const RmsOpts &o, bool strided, std::mt19937 &rng) {
  SCOPED_TRACE("n " + std::to_string(n) + " dtype " + std::to_string(dt) + " alpha " + std::to_string(o.alpha) +
               " wd " + std::to_string(o.wd) + " momentum " + std::to_string(o.momentum) +
               (o.centered ? " centered" : "") + (o.maximize ? " maximize" : "") + (strided ? " strided" : ""));
  Shape shape{n, 3};
  auto pv = rounded(random_values(rng, 3 * n, -2, 2), dt), gv = rounded(random_values(rng, 3 * n), dt);
  auto vv = rounded(random_values(rng, 3 * n, 0.01, 0.1), dt), mv = rounded(random_values(rng, 3 * n, -0.05, 0.05), dt);
  auto bv = rounded(random_values(rng, 3 * n, -0.5, 0.5), dt);
  if (n > 4) {
    gv[1] = NAN;
    gv[2] = INFINITY;
    gv[3] = 0;
    gv[4] = 1e-30;
  }
  Tensor p = strided ? strided_from_vector(pv, shape, dt) : from_vector(pv, shape, dt);
  Tensor g = from_vector(gv, shape, dt), v = from_vector(vv, shape, dt), m = from_vector(mv, shape, dt);
  Tensor b = from_vector(bv, shape, dt);
  std::vector<const nb_tensor *> in{p.get(), g.get(), v.get()};
  if (o.centered) in.push_back(m.get());
  if (o.momentum > 0) in.push_back(b.get());
  const int64_t p_version = version_of(p.get()), g_version = version_of(g.get());
  ASSERT_EQ(rms_call(in, o), "");
  EXPECT_GT(version_of(p.get()), p_version) << "param's version is bumped";
  EXPECT_EQ(version_of(g.get()), g_version) << "the gradient is only read";
  auto gp = to_vector(p.get()), gvv = to_vector(v.get()), gm = to_vector(m.get()), gb = to_vector(b.get());
  for (int64_t i = 0; i < 3 * n; ++i) {
    T pr = T(pv[i]), vr = T(vv[i]), mr = T(mv[i]), br = T(bv[i]);
    rms_ref<T>(pr, T(gv[i]), vr, mr, br, o);
    auto same = [&](double got, T want, const char *what) { expect_within_rounding(got, want, what, i); };
    same(gp[i], pr, "param");
    same(gvv[i], vr, "square_avg");
    if (o.centered) same(gm[i], mr, "grad_avg");
    if (o.momentum > 0) same(gb[i], br, "momentum_buffer");
  }
}

TEST(RmspropStep, MatchesPyTorchsLoopForEveryOption) {
  std::mt19937 rng(23);
  const int64_t sizes[] = {1, 2, 5, 11, 37, 3001, 40000};
  int k = 0;
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
    for (int64_t n : sizes)
      for (bool centered : {false, true})
        for (bool mom : {false, true})
          for (bool wd : {false, true}) {
            RmsOpts o{0.01 * (1 + k % 3), k % 5 == 2 ? 0.3 : 0.99, 1e-8, wd ? 1e-3 : 0.0, mom ? 0.9 : 0.0, centered,
                      k % 4 == 1};
            bool strided = k % 3 == 2;
            ++k;
            if (dt == NB_DTYPE_F32)
              check_rms<float>(dt, n, o, strided, rng);
            else
              check_rms<double>(dt, n, o, strided, rng);
          }
}

TEST(RmspropStep, RejectsMismatchedArguments) {
  RmsOpts o{0.01, 0.99, 1e-8, 0, 0.9, true, false};
  Tensor p = full({2, 3}, 1.0), g = full({2, 3}, 1.0), v = full({2, 3}, 0.0), m = full({3, 2}, 0.0);
  Tensor b = full({2, 3}, 0.0);
  std::string e = rms_call({p.get(), g.get(), v.get(), m.get(), b.get()}, o);
  EXPECT_NE(e.find("rmsprop_step_: grad_avg has shape [3, 2] but the parameter has shape [2, 3]"), std::string::npos)
      << e;
  e = rms_call({p.get(), g.get(), v.get()}, o);
  EXPECT_NE(e.find("expected 5 tensors (param, grad, square_avg, grad_avg, momentum_buffer), got 3"),
            std::string::npos) << e;
  Tensor v32 = full({2, 3}, 0.0, NB_DTYPE_F32);
  e = rms_call({p.get(), g.get(), v32.get()}, RmsOpts{0.01, 0.99, 1e-8, 0, 0, false, false});
  EXPECT_NE(e.find("rmsprop_step_: square_avg has dtype float32 but the parameter has float64"), std::string::npos)
      << e;
}

}  // namespace
