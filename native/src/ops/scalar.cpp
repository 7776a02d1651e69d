// Ops on one tensor and one number. Forward, then the backward rule right below.
#include <cmath>

#include "kernels/iter.h"
#include "ops/ops.h"

namespace nabla {

namespace {

template <class F>
Tensor map(const Tensor& a, const char* op, F f) {
  if (!is_floating(a->dtype))
    fail_arg(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(a->dtype));
  Tensor out = empty(a->shape, a->dtype);
  NB_DISPATCH_FLOAT(a->dtype, op, [&] { unary_kernel<scalar_t>(*out, *a, f); });
  return out;
}

// The gradient passes through unchanged (times a constant factor).
struct ScaleBackward final : Node {
  const char* nm;
  double factor;
  ScaleBackward(const char* n, double f) : nm(n), factor(f) {}
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    if (factor == 1.0) return {g[0]};
    if (factor == -1.0) return {neg(g[0], ctx)};
    return {mul_scalar(g[0], factor, ctx)};
  }
};

Tensor with_scale_node(Tensor out, const Tensor& a, const char* name, double factor, Ctx ctx) {
  if (any_requires_grad(ctx, {&a})) record(ctx, out, new ScaleBackward(name, factor), {&a});
  return out;
}

}  // namespace

// d(a+s)/da = 1
Tensor add_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "add", [s](auto x) { return x + static_cast<decltype(x)>(s); });
  return with_scale_node(out, a, "AddBackward0", 1.0, ctx);
}

// d(a-s)/da = 1
Tensor sub_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "sub", [s](auto x) { return x - static_cast<decltype(x)>(s); });
  return with_scale_node(out, a, "SubBackward0", 1.0, ctx);
}

// d(a*s)/da = s
Tensor mul_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "mul", [s](auto x) { return x * static_cast<decltype(x)>(s); });
  return with_scale_node(out, a, "MulBackward0", s, ctx);
}

// d(a/s)/da = 1/s
Tensor div_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "div", [s](auto x) { return x / static_cast<decltype(x)>(s); });
  return with_scale_node(out, a, "DivBackward0", 1.0 / s, ctx);
}

// d(s-a)/da = -1
Tensor rsub_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "rsub", [s](auto x) { return static_cast<decltype(x)>(s) - x; });
  return with_scale_node(out, a, "RsubBackward1", -1.0, ctx);
}

// d(-a)/da = -1
Tensor neg(const Tensor& a, Ctx ctx) {
  Tensor out = map(a, "neg", [](auto x) { return -x; });
  return with_scale_node(out, a, "NegBackward0", -1.0, ctx);
}

// d(s/a)/da = -s/a^2; saves a.
struct RdivBackward final : Node {
  double s;
  SavedTensor a;
  const char* name() const override { return "DivBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor av = a.unpack(*this);
    return {neg(div(mul_scalar(g[0], s, ctx), mul(av, av, ctx), ctx), ctx)};
  }
  void release_saved() override { a.reset(); }
};

Tensor rdiv_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, "div", [s](auto x) { return static_cast<decltype(x)>(s) / x; });
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new RdivBackward;
    n->s = s;
    record(ctx, out, n, {&a});
    n->a.save(a);
    n->has_saved = true;
  }
  return out;
}

// d(a^e)/da = e * a^(e-1), and 0 for e = 0 (as PyTorch, so 0^0 does not give NaN); saves a.
struct PowBackward0 final : Node {
  double e;
  SavedTensor a;
  const char* name() const override { return "PowBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor av = a.unpack(*this);
    if (e == 0.0) return {zeros_like(av)};
    return {mul(g[0], mul_scalar(pow_scalar(av, e - 1.0, ctx), e, ctx), ctx)};
  }
  void release_saved() override { a.reset(); }
};

Tensor pow_scalar(const Tensor& a, double e, Ctx ctx) {
  Tensor out;
  // Exact, fast forms for the exponents that training code uses most.
  if (e == 2.0)
    out = map(a, "pow", [](auto x) { return x * x; });
  else if (e == 1.0)
    out = map(a, "pow", [](auto x) { return x; });
  else if (e == 0.0)
    out = map(a, "pow", [](auto x) { return decltype(x)(1); });
  else if (e == 0.5)
    out = map(a, "pow", [](auto x) { return std::sqrt(x); });
  else if (e == -1.0)
    out = map(a, "pow", [](auto x) { return decltype(x)(1) / x; });
  else
    out = map(a, "pow", [e](auto x) { return static_cast<decltype(x)>(std::pow(x, static_cast<decltype(x)>(e))); });
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new PowBackward0;
    n->e = e;
    record(ctx, out, n, {&a});
    n->a.save(a);
    n->has_saved = true;
  }
  return out;
}

}  // namespace nabla
