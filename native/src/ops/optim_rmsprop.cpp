// Fused RMSprop update (centered or not, with momentum, weight decay, maximize): one pass over a
// parameter, its gradient and its state. Through tensor ops the step made 6-10 passes and 2-4
// temporaries per parameter.
//
// The arithmetic is PyTorch's single-tensor RMSprop (torch/optim/rmsprop.py, _single_tensor_rmsprop),
// in its order and in the parameter's dtype:
//   g = maximize ? -grad : grad;  g = g + wd * p
//   v = v * alpha, then v + ((1 - alpha) * g) * g                    (mul_, addcmul_)
//   centered: m = lerp(m, g, 1 - alpha);  avg = sqrt(v + (-m) * m)   (lerp_, addcmul, sqrt_)
//   else avg = sqrt(v);  avg = avg + eps
//   momentum: b = b * momentum, then b + g / avg;  p = p + (-lr) * b (mul_, addcdiv_, add_)
//   else p = p + (-lr) * (g / avg)                                    (addcdiv_)
#include <cmath>

#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "ops/optim_step.h"

namespace nabla {

namespace {

template <class T>
struct RmsConsts {
  T sign, wd, alpha, w, eps, momentum, neg_lr;  // w: 1 - alpha
  bool lerp_small;                               // ATen's lerp form for the weight w (as in adam_step_)
};

template <class T, bool WD, bool CENTERED, bool MOM>
__attribute__((always_inline)) inline void rms_range(T* __restrict p, const T* __restrict grad, T* __restrict v,
                                                     T* __restrict m, T* __restrict buf, int64_t lo, int64_t hi,
                                                     const RmsConsts<T> c) {
  for (int64_t i = lo; i < hi; ++i) {
    const T pi = p[i];
    T g = c.sign * grad[i];
    if (WD) g = g + c.wd * pi;
    T vi = v[i] * c.alpha;
    vi = vi + c.w * g * g;
    v[i] = vi;
    T avg;
    if (CENTERED) {
      const T mo = m[i], d = g - mo;
      const T near = mo + c.w * d, far = g - d * (T(1) - c.w);
      const T mi = c.lerp_small ? near : far;
      m[i] = mi;
      avg = std::sqrt(vi + -mi * mi);
    } else {
      avg = std::sqrt(vi);
    }
    avg = avg + c.eps;
    if (MOM) {
      T b = buf[i] * c.momentum;
      b = b + g / avg;
      buf[i] = b;
      p[i] = pi + c.neg_lr * b;
    } else {
      p[i] = pi + c.neg_lr * (g / avg);
    }
  }
}

// AVX2 without FMA (contracting would change the rounding by CPU) and the x86-64 baseline.
template <class T, bool WD, bool CENTERED, bool MOM>
__attribute__((target("avx2"))) void rms_range_avx2(T* p, const T* grad, T* v, T* m, T* buf, int64_t lo,
                                                   int64_t hi, const RmsConsts<T> c) {
  rms_range<T, WD, CENTERED, MOM>(p, grad, v, m, buf, lo, hi, c);
}

template <class T, bool WD, bool CENTERED, bool MOM>
void rms_range_base(T* p, const T* grad, T* v, T* m, T* buf, int64_t lo, int64_t hi, const RmsConsts<T> c) {
  rms_range<T, WD, CENTERED, MOM>(p, grad, v, m, buf, lo, hi, c);
}

template <class T, bool WD, bool CENTERED, bool MOM>
void rms_run(T* p, const T* grad, T* v, T* m, T* buf, int64_t n, const RmsConsts<T>& c) {
  const bool avx2 = vm::cpu_has_avx2_fma();
  parallel_for(0, n, kElementwiseGrain / 4, [=](int64_t lo, int64_t hi) {
    if (avx2)
      rms_range_avx2<T, WD, CENTERED, MOM>(p, grad, v, m, buf, lo, hi, c);
    else
      rms_range_base<T, WD, CENTERED, MOM>(p, grad, v, m, buf, lo, hi, c);
  });
}

template <class T, bool WD>
void rms_flags(T* p, const T* grad, T* v, T* m, T* buf, int64_t n, const RmsConsts<T>& c) {
  if (m)
    buf ? rms_run<T, WD, true, true>(p, grad, v, m, buf, n, c) : rms_run<T, WD, true, false>(p, grad, v, m, buf, n, c);
  else
    buf ? rms_run<T, WD, false, true>(p, grad, v, m, buf, n, c) : rms_run<T, WD, false, false>(p, grad, v, m, buf, n, c);
}

// tensors: param, grad, square_avg[, grad_avg when centered][, momentum_buffer when momentum > 0];
// numbers: lr, alpha, eps, weight_decay, momentum; integers: centered, maximize. Writes param and the
// state in place and bumps their versions; records nothing (PyTorch's step runs under no_grad).
void rmsprop_step(const OpArgs& a) {
  const Tensor& p = a.tensor(0);
  const double lr = a.num(0), alpha = a.num(1), eps = a.num(2), wd = a.num(3), momentum = a.num(4);
  const bool centered = a.integer(0) != 0, maximize = a.integer(1) != 0, mom = momentum > 0;
  std::vector<std::string> names{"param", "grad", "square_avg"};
  if (centered) names.push_back("grad_avg");
  if (mom) names.push_back("momentum_buffer");
  if (a.n_in != static_cast<int>(names.size())) {
    std::string list;
    for (size_t k = 0; k < names.size(); ++k) list += (k ? ", " : "") + names[k];
    fail_arg("rmsprop_step_: expected " + std::to_string(names.size()) + " tensors (" + list + "), got " +
             std::to_string(a.n_in));
  }
  check_step_tensors(a, names);
  run_step(a, [&](const std::vector<Tensor>& work) {
    NB_DISPATCH_FLOAT(p->dtype, "rmsprop_step_", [&] {
      using T = scalar_t;
      const RmsConsts<T> c{T(maximize ? -1 : 1), T(wd), T(alpha), T(1 - alpha), T(eps), T(momentum), T(-lr),
                           std::abs(1 - alpha) < 0.5};
      T* m = centered ? work[3]->data<T>() : nullptr;
      T* buf = mom ? work[centered ? 4 : 3]->data<T>() : nullptr;
      if (wd != 0)
        rms_flags<T, true>(work[0]->data<T>(), work[1]->data<T>(), work[2]->data<T>(), m, buf, p->numel(), c);
      else
        rms_flags<T, false>(work[0]->data<T>(), work[1]->data<T>(), work[2]->data<T>(), m, buf, p->numel(), c);
    });
  });
}

}  // namespace

NB_REGISTER_OP("rmsprop_step_", -1, 0, false, [](Ctx, const OpArgs& a, std::vector<Tensor>&) { rmsprop_step(a); });

}  // namespace nabla
