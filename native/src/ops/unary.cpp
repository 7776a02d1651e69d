// Elementwise math on one tensor: forward kernel, then its backward rule (PyTorch's
// tools/autograd/derivatives.yaml), op by op. Backward rules are written with differentiable ops so
// that create_graph gives higher-order gradients.
//
// Note [saving the output]: a rule that uses the op's output (exp, sqrt, rsqrt, tanh, sigmoid,
// reciprocal) saves a detached alias of it; saving `out` itself would make the cycle
// out -> grad_fn -> out. The alias is constant, so under create_graph (ctx.grad) the rule
// recomputes the output from the saved input instead, to let the second derivative see it.
//
// dtypes: ops that are only defined on reals (exp, log, sin, ...) compute int64/bool inputs in
// float32, as torch does; abs, sign, relu, square and clamp keep int64.
#include <cmath>

#include "kernels/cpu.h"
#include "kernels/elementwise.h"
#include "kernels/parallel.h"
#include "kernels/vecmath.h"
#include "ops/elementwise.h"
#include "ops/fuse.h"
#include "ops/registry.h"

namespace nabla {

namespace {

// f on a float tensor of a's dtype (float32 for int64/bool inputs).
template <class F>
Tensor float_map(const Tensor& a, const char* op, F f) {
  DType d = float_type(a->dtype);
  Tensor x = a->dtype == d ? a : to_dtype(a, d, Ctx{});
  Tensor out = empty(a->shape, d);
  NB_DISPATCH_FLOAT(d, op, [&] {
    map1<scalar_t, scalar_t>(*out, *x, [f](scalar_t v) { return static_cast<scalar_t>(f(v)); });
  });
  return out;
}

// float32 through the runtime-dispatched vector kernel vf(x, y, n) of kernels/vecmath.h (a
// strided input is made contiguous first: one copy, then the vector loop), split between threads
// like map1, and streamed past the caches when as large as map1's outputs are (kernels/stream.h);
// float64 through the scalar f (std:: math, since the vector polynomials are float32-accurate only).
template <class V, class F>
Tensor float_map_vec(const Tensor& a, const char* op, V vf, F f) {
  if (float_type(a->dtype) != DType::F32) return float_map(a, op, f);
  Tensor x = a->dtype == DType::F32 ? a : to_dtype(a, DType::F32, Ctx{});
  if (!x->is_contiguous()) x = contiguous(x, Ctx{});
  Tensor out = empty(a->shape, DType::F32);
  const float* xp = x->data<float>();
  fill_output(out->data<float>(), out->numel(), [=](int64_t i0, int64_t n, float* d) { vf(xp + i0, d, n); });
  return out;
}

// f on a tensor of dtype d (float32, float64 or int64); a is converted first when it differs.
template <class F>
Tensor num_map_to(const Tensor& a, DType d, const char* op, F f) {
  if (d == DType::Bool)
    fail_arg(std::string(op) + ": not implemented for 'Bool' (shape " + shape_of(a) + ")");
  Tensor x = a->dtype == d ? a : to_dtype(a, d, Ctx{});
  Tensor out = empty(a->shape, d);
  switch (d) {
    case DType::F32: map1<float, float>(*out, *x, [f](float v) { return static_cast<float>(f(v)); }); break;
    case DType::F64: map1<double, double>(*out, *x, [f](double v) { return static_cast<double>(f(v)); }); break;
    default: map1<int64_t, int64_t>(*out, *x, [f](int64_t v) { return static_cast<int64_t>(f(v)); }); break;
  }
  return out;
}

template <class F>
Tensor num_map(const Tensor& a, const char* op, F f) {
  return num_map_to(a, a->dtype, op, f);
}

Tensor zero_like_scalar(const Tensor& g) { return full(Dims{}, g->dtype, 0.0); }

// Distinct (restrict) buffers make this a vector select; with the pointers captured by reference
// GCC kept a data-dependent branch, mispredicted on half of a relu's inputs.
template <class T>
__attribute__((always_inline)) inline void threshold_bw(const T* __restrict x, const T* __restrict g,
                                                        T* __restrict o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = x[i] <= T(0) ? T(0) : g[i];
}
template <class T>
__attribute__((target("avx2"))) void threshold_bw_avx2(const T* x, const T* g, T* o, int64_t n) {
  threshold_bw(x, g, o, n);
}
template <class T>
void threshold_bw_base(const T* x, const T* g, T* o, int64_t n) {
  threshold_bw(x, g, o, n);
}

// relu's gradient g where x > 0 (or NaN), else 0, as one vectorized pass (PyTorch's
// threshold_backward) when g and x are float, alike and contiguous; null otherwise, and the rule
// takes the general path (a mask, then where). Without a graph only: it records nothing.
Tensor threshold_backward_fast(const Tensor& g, const Tensor& x) {
  if (g->dtype != x->dtype || (g->dtype != DType::F32 && g->dtype != DType::F64) || g->shape != x->shape ||
      !g->is_contiguous() || !x->is_contiguous())
    return Tensor();
  Tensor out = empty(g->shape, g->dtype);
  NB_DISPATCH_FLOAT(g->dtype, "relu backward", [&] {
    const scalar_t* gp = g->data<scalar_t>();
    const scalar_t* xp = x->data<scalar_t>();
    scalar_t* op = out->data<scalar_t>();
    const bool avx2 = vm::cpu_has_avx2_fma();
    parallel_for(0, out->numel(), kElementwiseGrain, [=](int64_t lo, int64_t hi) {
      if (avx2)
        threshold_bw_avx2(xp + lo, gp + lo, op + lo, hi - lo);
      else
        threshold_bw_base(xp + lo, gp + lo, op + lo, hi - lo);
    });
  });
  return out;
}

// One node type for every op here: `rule` is the op's derivative, given the incoming gradient g,
// the saved input x, and y, the output (recomputed under create_graph; see the note above).
struct UnaryBackward final : Node {
  using Rule = Tensor (*)(const Tensor& g, const Tensor& x, const Tensor& y, const UnaryBackward& n, Ctx ctx);
  const char* nm;
  Rule rule;
  Tensor (*recompute)(const Tensor& x, const UnaryBackward& n, Ctx ctx) = nullptr;
  double p0 = 0, p1 = 0;  // the op's numbers (slope, alpha, beta, threshold, clamp bounds)
  bool f0 = false, f1 = false;
  SavedTensor x, y;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    Tensor yv;
    if (y.defined()) yv = ctx.grad ? recompute(xv, *this, ctx) : y.unpack(*this);
    return {rule(g[0], xv, yv, *this, ctx)};
  }
  void release_saved() override {
    x.reset();
    y.reset();
  }
};

// Records the node when a requires grad; saves a, and a detached alias of out when `recompute` is
// given (the rule uses the output).
Tensor finish(Tensor out, const Tensor& a, Ctx ctx, const char* name, UnaryBackward::Rule rule,
              Tensor (*recompute)(const Tensor&, const UnaryBackward&, Ctx) = nullptr, double p0 = 0,
              double p1 = 0, bool f0 = false, bool f1 = false) {
  if (!any_requires_grad(ctx, {&a})) return out;
  auto* n = new UnaryBackward;
  n->nm = name;
  n->rule = rule;
  n->recompute = recompute;
  n->p0 = p0;
  n->p1 = p1;
  n->f0 = f0;
  n->f1 = f1;
  record(ctx, out, n, {&a});
  n->save(n->x, a);
  if (recompute) n->save(n->y, detach(out));
  n->has_saved = true;
  return out;
}

}  // namespace

// d/dx e^x = e^x = y.
Tensor exp(const Tensor& a, Ctx ctx) {
  Tensor out = float_map_vec(a, "exp", vm::vexp, [](auto x) { return std::exp(x); });
  return finish(out, a, ctx, "ExpBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) { return mul(g, y, c); },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return exp(x, c); });
}

// d/dx log x = 1/x.
Tensor log(const Tensor& a, Ctx ctx) {
  Tensor out = float_map_vec(a, "log", vm::vlog, [](auto x) { return std::log(x); });
  return finish(out, a, ctx, "LogBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) { return div(g, x, c); });
}

// d/dx log(1 + x) = 1/(1 + x).
Tensor log1p(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "log1p", [](auto x) { return std::log1p(x); });
  return finish(out, a, ctx, "Log1PBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  return div(g, add_scalar(x, 1.0, c), c);
                });
}

// d/dx sqrt x = 1/(2 sqrt x) = 1/(2y).
Tensor sqrt(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "sqrt", [](auto x) { return std::sqrt(x); });
  return finish(out, a, ctx, "SqrtBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) {
                  return div(g, mul_scalar(y, 2.0, c), c);
                },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return sqrt(x, c); });
}

// d/dx x^(-1/2) = -1/2 x^(-3/2) = -y^3 / 2.
Tensor rsqrt(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "rsqrt", [](auto x) { return decltype(x)(1) / std::sqrt(x); });
  return finish(out, a, ctx, "RsqrtBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) {
                  return mul(g, mul_scalar(pow_scalar(y, 3.0, c), -0.5, c), c);
                },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return rsqrt(x, c); });
}

// d/dx |x| = sign(x) (0 at 0, as PyTorch's sgn).
Tensor abs(const Tensor& a, Ctx ctx) {
  Tensor out = num_map(a, "abs", [](auto x) { return x < 0 ? -x : x == 0 ? decltype(x)(0) : x; });
  return finish(out, a, ctx, "AbsBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  return mul(g, sign(x, c), c);
                });
}

// sign(x) = (0 < x) - (x < 0): 0 for NaN and for +-0, as torch.sign. d/dx = 0.
Tensor sign(const Tensor& a, Ctx ctx) {
  Tensor out = num_map(a, "sign", [](auto x) {
    return static_cast<decltype(x)>(static_cast<int>(decltype(x)(0) < x) - static_cast<int>(x < decltype(x)(0)));
  });
  return finish(out, a, ctx, "SignBackward0",
                [](const Tensor& g, const Tensor&, const Tensor&, const UnaryBackward&, Ctx) { return zeros_like(g); });
}

// d/dx sin x = cos x.
Tensor sin(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "sin", [](auto x) { return std::sin(x); });
  return finish(out, a, ctx, "SinBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) { return mul(g, cos(x, c), c); });
}

// d/dx cos x = -sin x.
Tensor cos(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "cos", [](auto x) { return std::cos(x); });
  return finish(out, a, ctx, "CosBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  return mul(g, neg(sin(x, c), c), c);
                });
}

// d/dx tanh x = 1 - tanh^2 x = 1 - y^2.
Tensor tanh(const Tensor& a, Ctx ctx) {
  Tensor out = float_map_vec(a, "tanh", vm::vtanh, [](auto x) { return std::tanh(x); });
  return finish(out, a, ctx, "TanhBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) {
                  return mul(g, rsub_scalar(mul(y, y, c), 1.0, c), c);
                },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return tanh(x, c); });
}

// sigmoid x = 1 / (1 + e^-x); d/dx = y (1 - y).
Tensor sigmoid(const Tensor& a, Ctx ctx) {
  Tensor out = float_map_vec(a, "sigmoid", vm::vsigmoid, [](auto x) { return decltype(x)(1) / (decltype(x)(1) + std::exp(-x)); });
  return finish(out, a, ctx, "SigmoidBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) {
                  return mul(g, mul(y, rsub_scalar(y, 1.0, c), c), c);
                },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return sigmoid(x, c); });
}

// d/dx erf x = 2/sqrt(pi) e^(-x^2). (Used by the exact gelu's backward.)
Tensor erf(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "erf", [](auto x) { return std::erf(x); });
  return finish(out, a, ctx, "ErfBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  Tensor e = exp(neg(mul(x, x, c), c), c);
                  return mul(g, mul_scalar(e, 1.1283791670955126, c), c);  // 2/sqrt(pi)
                });
}

// relu x = max(x, 0), NaN kept; d/dx = 1 where x > 0, else 0 (PyTorch's threshold_backward: 0
// where the output <= 0; NaN gets the gradient).
Tensor relu(const Tensor& a, Ctx ctx) {
  if (may_defer(*a))
    if (Tensor lazy = defer_elementwise(FuseOp::Relu, a, nullptr, 0.0, ctx)) return lazy;
  Tensor out = num_map(a, "relu", [](auto x) { return x < 0 ? decltype(x)(0) : x; });
  return finish(out, a, ctx, "ReluBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  if (!c.grad) {
                    Tensor fast = threshold_backward_fast(g, x);
                    if (fast) return fast;
                  }
                  return where(compare_scalar(x, 0.0, CmpOp::LE), zero_like_scalar(g), g, c);
                });
}

// leaky_relu x = x for x > 0, else slope x; d/dx = 1 or slope (slope at 0 and NaN, as PyTorch).
Tensor leaky_relu(const Tensor& a, double slope, Ctx ctx) {
  Tensor out = float_map(a, "leaky_relu", [slope](auto x) {
    return x > 0 ? x : x * static_cast<decltype(x)>(slope);
  });
  return finish(out, a, ctx, "LeakyReluBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward& n, Ctx c) {
                  return where(compare_scalar(x, 0.0, CmpOp::GT), g, mul_scalar(g, n.p0, c), c);
                },
                nullptr, slope);
}

// elu x = x for x > 0, else alpha (e^x - 1); d/dx = 1, or alpha e^x for x <= 0 (PyTorch's
// elu_backward on the input).
Tensor elu(const Tensor& a, double alpha, Ctx ctx) {
  Tensor out = float_map(a, "elu", [alpha](auto x) {
    return x > 0 ? x : static_cast<decltype(x)>(alpha) * std::expm1(x);
  });
  return finish(out, a, ctx, "EluBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward& n, Ctx c) {
                  Tensor neg_side = mul(g, mul_scalar(exp(x, c), n.p0, c), c);
                  return where(compare_scalar(x, 0.0, CmpOp::LE), neg_side, g, c);
                },
                nullptr, alpha);
}

namespace {
constexpr double kSqrt2OverPi = 0.7978845608028654;   // sqrt(2/pi)
constexpr double kInvSqrt2Pi = 0.3989422804014327;    // 1/sqrt(2 pi)
constexpr double kInvSqrt2 = 0.7071067811865476;      // 1/sqrt(2)
constexpr double kGeluKappa = 0.044715;
}  // namespace

// gelu x = x Phi(x), Phi(x) = (1 + erf(x/sqrt 2))/2; d/dx = Phi(x) + x phi(x), phi the normal pdf.
// tanh approximation: u = sqrt(2/pi) (x + k x^3), gelu = x (1 + tanh u)/2;
// d/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3k x^2).
Tensor gelu(const Tensor& a, bool tanh_approx, Ctx ctx) {
  Tensor out;
  if (tanh_approx)
    out = float_map_vec(a, "gelu", vm::vgelu_tanh, [](auto x) {
      using T = decltype(x);
      T u = T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x);
      return T(0.5) * x * (T(1) + std::tanh(u));
    });
  else
    out = float_map(a, "gelu", [](auto x) {
      using T = decltype(x);
      return x * T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2)));
    });
  return finish(out, a, ctx, "GeluBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward& n, Ctx c) {
                  if (n.f0) {
                    Tensor x2 = mul(x, x, c);
                    Tensor u = mul_scalar(add(x, mul_scalar(mul(x2, x, c), kGeluKappa, c), c), kSqrt2OverPi, c);
                    Tensor t = tanh(u, c);
                    Tensor left = mul_scalar(add_scalar(t, 1.0, c), 0.5, c);
                    Tensor du = mul_scalar(add_scalar(mul_scalar(x2, 3.0 * kGeluKappa, c), 1.0, c), kSqrt2OverPi, c);
                    Tensor right = mul(mul_scalar(x, 0.5, c), mul(rsub_scalar(mul(t, t, c), 1.0, c), du, c), c);
                    return mul(g, add(left, right, c), c);
                  }
                  Tensor cdf = mul_scalar(add_scalar(erf(mul_scalar(x, kInvSqrt2, c), c), 1.0, c), 0.5, c);
                  Tensor pdf = mul_scalar(exp(mul_scalar(mul(x, x, c), -0.5, c), c), kInvSqrt2Pi, c);
                  return mul(g, add(cdf, mul(x, pdf, c), c), c);
                },
                nullptr, 0, 0, tanh_approx);
}

// silu x = x sigmoid(x); d/dx = s (1 + x (1 - s)), s = sigmoid x.
Tensor silu(const Tensor& a, Ctx ctx) {
  Tensor out = float_map_vec(a, "silu", vm::vsilu, [](auto x) { return x / (decltype(x)(1) + std::exp(-x)); });
  return finish(out, a, ctx, "SiluBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  Tensor s = sigmoid(x, c);
                  return mul(g, mul(s, add_scalar(mul(x, rsub_scalar(s, 1.0, c), c), 1.0, c), c), c);
                });
}

// softplus x = log(1 + e^(beta x)) / beta, or x where beta x > threshold (linear there);
// d/dx = sigmoid(beta x), or 1 where beta x > threshold.
Tensor softplus(const Tensor& a, double beta, double threshold, Ctx ctx) {
  auto vf = [beta, threshold](const float* x, float* y, int64_t n) {
    vm::vsoftplus(x, y, n, static_cast<float>(beta), static_cast<float>(threshold));
  };
  Tensor out = float_map_vec(a, "softplus", vf, [beta, threshold](auto x) {
    using T = decltype(x);
    T bx = x * T(beta);
    return bx > T(threshold) ? x : std::log1p(std::exp(bx)) / T(beta);
  });
  return finish(out, a, ctx, "SoftplusBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward& n, Ctx c) {
                  Tensor bx = mul_scalar(x, n.p0, c);
                  return where(compare_scalar(bx, n.p1, CmpOp::GT), g, mul(g, sigmoid(bx, c), c), c);
                },
                nullptr, beta, threshold);
}

namespace {
// max/min that return NaN when either side is NaN.
template <class T>
inline T nan_max(T a, T b) {
  return a != a ? a : b != b ? b : a < b ? b : a;
}
template <class T>
inline T nan_min(T a, T b) {
  return a != a ? a : b != b ? b : b < a ? b : a;
}
}  // namespace

// clamp x = min(max(x, lo), hi): hi everywhere when lo > hi, NaN from x or a bound propagates.
// d/dx = 1 where lo <= x <= hi (bounds included, as PyTorch's clamp_backward), else 0.
Tensor clamp(const Tensor& a, bool has_min, double lo, bool has_max, double hi, Ctx ctx) {
  if (!has_min && !has_max) fail_arg("clamp: At least one of 'min' or 'max' must not be None");
  DType d = a->dtype;
  if (has_min) d = result_type_scalar(a, lo);
  if (has_max && result_type_scalar(a, hi) != a->dtype) d = result_type_scalar(a, hi);
  Tensor out = num_map_to(a, d, "clamp", [=](auto x) {
    using T = decltype(x);
    if (has_min) x = nan_max(x, static_cast<T>(lo));
    if (has_max) x = nan_min(x, static_cast<T>(hi));
    return x;
  });
  const char* name = has_min && has_max ? "ClampBackward1" : has_min ? "ClampMinBackward0" : "ClampMaxBackward0";
  return finish(out, a, ctx, name,
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward& n, Ctx c) {
                  Tensor mask;
                  if (n.f0) mask = compare_scalar(x, n.p0, CmpOp::GE);
                  if (n.f1) {
                    Tensor m = compare_scalar(x, n.p1, CmpOp::LE);
                    mask = mask ? logical(mask, m, LogicOp::AND) : m;
                  }
                  return where(mask, g, zero_like_scalar(g), c);
                },
                nullptr, lo, hi, has_min, has_max);
}

// d/dx 1/x = -1/x^2 = -y^2.
Tensor reciprocal(const Tensor& a, Ctx ctx) {
  Tensor out = float_map(a, "reciprocal", [](auto x) { return decltype(x)(1) / x; });
  return finish(out, a, ctx, "ReciprocalBackward0",
                [](const Tensor& g, const Tensor&, const Tensor& y, const UnaryBackward&, Ctx c) {
                  return mul(g, neg(mul(y, y, c), c), c);
                },
                [](const Tensor& x, const UnaryBackward&, Ctx c) { return reciprocal(x, c); });
}

// d/dx x^2 = 2x.
Tensor square(const Tensor& a, Ctx ctx) {
  Tensor out = num_map(a, "square", [](auto x) { return x * x; });
  return finish(out, a, ctx, "PowBackward0",
                [](const Tensor& g, const Tensor& x, const Tensor&, const UnaryBackward&, Ctx c) {
                  return mul(g, mul_scalar(x, 2.0, c), c);
                });
}

// One tensor in, one out; numbers as noted.
NB_REGISTER_OP("exp", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = exp(a.tensor(0), c); });
NB_REGISTER_OP("log", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = log(a.tensor(0), c); });
NB_REGISTER_OP("log1p", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = log1p(a.tensor(0), c); });
NB_REGISTER_OP("sqrt", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sqrt(a.tensor(0), c); });
NB_REGISTER_OP("rsqrt", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = rsqrt(a.tensor(0), c); });
NB_REGISTER_OP("abs", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = abs(a.tensor(0), c); });
NB_REGISTER_OP("sign", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sign(a.tensor(0), c); });
NB_REGISTER_OP("sin", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sin(a.tensor(0), c); });
NB_REGISTER_OP("cos", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = cos(a.tensor(0), c); });
NB_REGISTER_OP("tanh", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = tanh(a.tensor(0), c); });
NB_REGISTER_OP("sigmoid", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sigmoid(a.tensor(0), c); });
NB_REGISTER_OP("erf", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = erf(a.tensor(0), c); });
NB_REGISTER_OP("relu", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = relu(a.tensor(0), c); });
// leaky_relu: fargs = negative_slope (default 0.01)
NB_REGISTER_OP("leaky_relu", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = leaky_relu(a.tensor(0), a.num_or(0, 0.01), c); });
// elu: fargs = alpha (default 1)
NB_REGISTER_OP("elu", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = elu(a.tensor(0), a.num_or(0, 1.0), c); });
// gelu: iargs = approximate (0: "none", exact erf form; 1: "tanh")
NB_REGISTER_OP("gelu", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = gelu(a.tensor(0), a.integer_or(0, 0) != 0, c); });
NB_REGISTER_OP("silu", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = silu(a.tensor(0), c); });
// softplus: fargs = beta (default 1), threshold (default 20)
NB_REGISTER_OP("softplus", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = softplus(a.tensor(0), a.num_or(0, 1.0), a.num_or(1, 20.0), c); });
// clamp: fargs = min, max; iargs = has_min, has_max (0/1)
NB_REGISTER_OP("clamp", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) {
  o[0] = clamp(a.tensor(0), a.integer(0) != 0, a.num(0), a.integer(1) != 0, a.num(1), c);
});
NB_REGISTER_OP("reciprocal", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = reciprocal(a.tensor(0), c); });
NB_REGISTER_OP("square", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = square(a.tensor(0), c); });

}  // namespace nabla
