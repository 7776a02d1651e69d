// Fused SGD update (with momentum, Nesterov, weight decay, maximize): one pass over a parameter,
// its gradient and its momentum buffer. Through tensor ops the same step made 2-5 passes and a
// temporary per parameter (mul_ + add_ on the buffer, add on the gradient, add_ on the parameter).
//
// The arithmetic is PyTorch's single-tensor SGD (torch/optim/sgd.py, _single_tensor_sgd), in its
// order and in the parameter's dtype, each term rounded as its own op would round it:
//   g = maximize ? -grad : grad;  g = g + wd * p
//   b = g (first step) or b = b * momentum, then b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b;  p = p + (-lr) * g
#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "ops/optim_step.h"

namespace nabla {

namespace {

template <class T>
struct SgdConsts {
  T sign, wd, momentum, keep, neg_lr;  // keep: 1 - dampening
};

// MOM: 0 without momentum, 1 on the step that starts the buffer, 2 after.
template <class T, bool WD, int MOM, bool NEST>
__attribute__((always_inline)) inline void sgd_range(T* __restrict p, const T* __restrict grad, T* __restrict buf,
                                                     int64_t lo, int64_t hi, const SgdConsts<T> c) {
  for (int64_t i = lo; i < hi; ++i) {
    const T pi = p[i];
    T g = c.sign * grad[i];
    if (WD) g = g + c.wd * pi;
    if (MOM != 0) {
      T b = g;
      if (MOM == 2) {
        b = buf[i] * c.momentum;
        b = b + c.keep * g;
      }
      buf[i] = b;
      g = NEST ? g + c.momentum * b : b;
    }
    p[i] = pi + c.neg_lr * g;
  }
}

// AVX2 without FMA (contracting would change the rounding by CPU) and the x86-64 baseline.
template <class T, bool WD, int MOM, bool NEST>
__attribute__((target("avx2"))) void sgd_range_avx2(T* p, const T* grad, T* buf, int64_t lo, int64_t hi,
                                                   const SgdConsts<T> c) {
  sgd_range<T, WD, MOM, NEST>(p, grad, buf, lo, hi, c);
}

template <class T, bool WD, int MOM, bool NEST>
void sgd_range_base(T* p, const T* grad, T* buf, int64_t lo, int64_t hi, const SgdConsts<T> c) {
  sgd_range<T, WD, MOM, NEST>(p, grad, buf, lo, hi, c);
}

template <class T, bool WD, int MOM, bool NEST>
void sgd_run(T* p, const T* grad, T* buf, int64_t n, const SgdConsts<T>& c) {
  const bool avx2 = vm::cpu_has_avx2_fma();
  parallel_for(0, n, kElementwiseGrain / 2, [=](int64_t lo, int64_t hi) {
    if (avx2)
      sgd_range_avx2<T, WD, MOM, NEST>(p, grad, buf, lo, hi, c);
    else
      sgd_range_base<T, WD, MOM, NEST>(p, grad, buf, lo, hi, c);
  });
}

template <class T, bool WD>
void sgd_mom(T* p, const T* grad, T* buf, int64_t n, const SgdConsts<T>& c, int mom, bool nest) {
  if (mom == 0)
    sgd_run<T, WD, 0, false>(p, grad, buf, n, c);
  else if (mom == 1)
    nest ? sgd_run<T, WD, 1, true>(p, grad, buf, n, c) : sgd_run<T, WD, 1, false>(p, grad, buf, n, c);
  else
    nest ? sgd_run<T, WD, 2, true>(p, grad, buf, n, c) : sgd_run<T, WD, 2, false>(p, grad, buf, n, c);
}

// tensors: param, grad[, momentum_buffer]; numbers: lr, momentum, dampening, weight_decay; integers:
// nesterov, maximize, first (1: the buffer starts from this step's gradient, its old values unread).
// The buffer is passed exactly when momentum != 0. Writes param (and the buffer) in place and bumps
// their versions; records nothing (PyTorch's step runs under no_grad).
void sgd_step(const OpArgs& a) {
  const Tensor& p = a.tensor(0);
  const double lr = a.num(0), momentum = a.num(1), dampening = a.num(2), wd = a.num(3);
  const bool nesterov = a.integer(0) != 0, maximize = a.integer(1) != 0, first = a.integer(2) != 0;
  const int want = momentum != 0 ? 3 : 2;
  if (a.n_in != want)
    fail_arg("sgd_step_: expected " + std::to_string(want) +
             (momentum != 0 ? " tensors (param, grad, momentum_buffer) with momentum, got "
                            : " tensors (param, grad) without momentum, got ") +
             std::to_string(a.n_in));
  check_step_tensors(a, {"param", "grad", "momentum_buffer"});
  const int mom = momentum == 0 ? 0 : first ? 1 : 2;
  run_step(a, [&](const std::vector<Tensor>& work) {
    NB_DISPATCH_FLOAT(p->dtype, "sgd_step_", [&] {
      using T = scalar_t;
      const SgdConsts<T> c{T(maximize ? -1 : 1), T(wd), T(momentum), T(1 - dampening), T(-lr)};
      T* pp = work[0]->data<T>();
      const T* gp = work[1]->data<T>();
      T* bp = mom != 0 ? work[2]->data<T>() : nullptr;
      if (wd != 0)
        sgd_mom<T, true>(pp, gp, bp, p->numel(), c, mom, nesterov);
      else
        sgd_mom<T, false>(pp, gp, bp, p->numel(), c, mom, nesterov);
    });
  });
}

}  // namespace

NB_REGISTER_OP("sgd_step_", -1, 0, false, [](Ctx, const OpArgs& a, std::vector<Tensor>&) { sgd_step(a); });

}  // namespace nabla
