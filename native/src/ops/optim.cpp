// Fused optimizer updates: one pass over a parameter and its state instead of one native call and
// one pass per term. PyTorch's single-tensor Adam makes 6-9 passes per parameter (lerp_, mul_,
// addcmul_, sqrt, div, add_, addcdiv_); for a small MLP those passes were 40% of a training step.
//
// The arithmetic is PyTorch's (torch/optim/adam.py, _single_tensor_adam), in its order and in the
// parameter's dtype, so a step matches PyTorch's to rounding: lerp_ for the first moment,
// mul_ + addcmul_ for the second, sqrt / sqrt(bc2) + eps, addcdiv_ with -lr / bc1.
#include <cmath>

#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "ops/optim_step.h"

namespace nabla {

namespace {

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay, step;
  bool amsgrad, decoupled, maximize;
};

// Constants of one step, in the parameter's dtype, as PyTorch's CPU kernels cast their scalars.
template <class T>
struct AdamConsts {
  T wd, decay, w1, b2, w2, bc2_sqrt, eps, neg_step_size, sign;
  bool lerp_small;
};

// One element range. PyTorch's lerp (ATen/native/Lerp.h) picks the form that is exact at the end
// nearer to the weight; both forms are computed and one is selected, which keeps the loop
// branch-free (the weight is the same for every element). The flags are template parameters so
// that each variant is a straight loop the compiler vectorizes.
template <class T, bool L2, bool DEC, bool AMS>
__attribute__((always_inline)) inline void adam_range(T* __restrict p, const T* __restrict grad,
                                                      T* __restrict m, T* __restrict v, T* __restrict vmax,
                                                      int64_t lo, int64_t hi, const AdamConsts<T> c) {
  for (int64_t i = lo; i < hi; ++i) {
    T pi = p[i];
    T g = c.sign * grad[i];
    if (DEC) pi = pi * c.decay;                       // param.mul_(1 - lr * wd)
    if (L2) g = g + c.wd * pi;                        // grad.add(param, alpha=wd)
    const T mo = m[i], d = g - mo;                    // exp_avg.lerp_(grad, 1 - beta1)
    const T near = mo + c.w1 * d, far = g - d * (T(1) - c.w1);
    const T mi = c.lerp_small ? near : far;
    T vi = v[i] * c.b2;                               // exp_avg_sq.mul_(beta2)
    vi = vi + c.w2 * g * g;                           //   .addcmul_(grad, grad, value=1 - beta2)
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (AMS) {                                        // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=)
      const T old = vmax[i];
      second = (old != old || old > vi) ? old : vi;
      vmax[i] = second;
    }
    const T denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
    p[i] = pi + c.neg_step_size * mi / denom;         // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

// The same loop compiled for AVX2 (no FMA: contracting would change the rounding by CPU) and for
// the x86-64 baseline, picked at run time.
template <class T, bool L2, bool DEC, bool AMS>
__attribute__((target("avx2"))) void adam_range_avx2(T* p, const T* grad, T* m, T* v, T* vmax, int64_t lo,
                                                     int64_t hi, const AdamConsts<T> c) {
  adam_range<T, L2, DEC, AMS>(p, grad, m, v, vmax, lo, hi, c);
}

template <class T, bool L2, bool DEC, bool AMS>
void adam_range_base(T* p, const T* grad, T* m, T* v, T* vmax, int64_t lo, int64_t hi, const AdamConsts<T> c) {
  adam_range<T, L2, DEC, AMS>(p, grad, m, v, vmax, lo, hi, c);
}

template <class T, bool L2, bool DEC, bool AMS>
void adam_run(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamConsts<T>& c) {
  const bool avx2 = vm::cpu_has_avx2_fma();
  parallel_for(0, n, kElementwiseGrain / 4, [=](int64_t lo, int64_t hi) {
    if (avx2)
      adam_range_avx2<T, L2, DEC, AMS>(p, grad, m, v, vmax, lo, hi, c);
    else
      adam_range_base<T, L2, DEC, AMS>(p, grad, m, v, vmax, lo, hi, c);
  });
}

template <class T>
void adam_kernel(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamHyper& h) {
  const double bc1 = 1 - std::pow(h.beta1, h.step), bc2 = 1 - std::pow(h.beta2, h.step);
  AdamConsts<T> c{T(h.weight_decay), T(1 - h.lr * h.weight_decay), T(1 - h.beta1), T(h.beta2), T(1 - h.beta2),
                  T(std::sqrt(bc2)), T(h.eps), T(-(h.lr / bc1)), T(h.maximize ? -1 : 1),
                  std::abs(1 - h.beta1) < 0.5};
  const bool l2 = h.weight_decay != 0 && !h.decoupled, dec = h.weight_decay != 0 && h.decoupled;
  if (l2)
    vmax ? adam_run<T, true, false, true>(p, grad, m, v, vmax, n, c) : adam_run<T, true, false, false>(p, grad, m, v, vmax, n, c);
  else if (dec)
    vmax ? adam_run<T, false, true, true>(p, grad, m, v, vmax, n, c) : adam_run<T, false, true, false>(p, grad, m, v, vmax, n, c);
  else
    vmax ? adam_run<T, false, false, true>(p, grad, m, v, vmax, n, c) : adam_run<T, false, false, false>(p, grad, m, v, vmax, n, c);
}

// tensors: param, grad, exp_avg, exp_avg_sq[, max_exp_avg_sq]; numbers: lr, beta1, beta2, eps,
// weight_decay, step; integers: amsgrad, decoupled (AdamW), maximize. Writes param and the state
// in place and bumps their versions; records nothing (PyTorch's step runs under no_grad).
void adam_step(const OpArgs& a) {
  const Tensor& p = a.tensor(0);
  const bool ams = a.integer(0) != 0;
  if (a.n_in != (ams ? 5 : 4))
    fail_arg("adam_step_: expected " + std::to_string(ams ? 5 : 4) + " tensors, got " + std::to_string(a.n_in));
  check_step_tensors(a, {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"});
  AdamHyper h{a.num(0), a.num(1), a.num(2), a.num(3), a.num(4), a.num(5), ams, a.integer(1) != 0,
              a.integer(2) != 0};
  run_step(a, [&](const std::vector<Tensor>& work) {
    NB_DISPATCH_FLOAT(p->dtype, "adam_step_", [&] {
      adam_kernel<scalar_t>(work[0]->data<scalar_t>(), work[1]->data<scalar_t>(), work[2]->data<scalar_t>(),
                            work[3]->data<scalar_t>(), ams ? work[4]->data<scalar_t>() : nullptr, p->numel(), h);
    });
  });
}

}  // namespace

NB_REGISTER_OP("adam_step_", -1, 0, false, [](Ctx, const OpArgs& a, std::vector<Tensor>&) { adam_step(a); });

}  // namespace nabla
