// Ops on one tensor and one number. Forward, then the backward rule right below.
#include <cmath>

#include "kernels/elementwise.h"
#include "ops/elementwise.h"
#include "ops/fuse.h"

namespace nabla {

namespace {

// Note [scalar type promotion]: the result dtype is torch.result_type(tensor, number): a float
// tensor keeps its dtype; an int64 tensor stays int64 for an integral number and becomes float32
// otherwise; a bool tensor becomes int64 or float32 likewise. Java passes every number as a double,
// so 2.0 counts as integral (torch would treat the Python float 2.0 as floating).
template <class F>
Tensor map_to(const Tensor& a, DType d, const char* op, F f) {
  Tensor x = a->dtype == d ? a : to_dtype(a, d, Ctx{});
  Tensor out = empty(a->shape, d);
  switch (d) {
    case DType::F32: map1<float, float>(*out, *x, [f](float v) { return static_cast<float>(f(v)); }); break;
    case DType::F64: map1<double, double>(*out, *x, [f](double v) { return static_cast<double>(f(v)); }); break;
    case DType::I64: map1<int64_t, int64_t>(*out, *x, [f](int64_t v) { return static_cast<int64_t>(f(v)); }); break;
    default: fail_arg(std::string(op) + ": not implemented for dtype " + dtype_name(d) + " " + shape_of(a));
  }
  return out;
}

template <class F>
Tensor map(const Tensor& a, double s, const char* op, F f) {
  return map_to(a, result_type_scalar(a, s), op, f);
}

// Ops that are true divisions: float32 for int64/bool tensors.
template <class F>
Tensor map_float(const Tensor& a, const char* op, F f) {
  return map_to(a, float_type(a->dtype), op, f);
}

// Integer wrap-around instead of signed-overflow UB, as torch's int64 kernels behave in practice.
inline int64_t wrap_add(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
}
inline int64_t wrap_mul(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
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
  if (may_defer(*a))
    if (Tensor lazy = defer_elementwise(FuseOp::AddScalar, a, nullptr, s, ctx)) return lazy;
  Tensor out = map(a, s, "add", [s](auto x) {
    if constexpr (std::is_integral_v<decltype(x)>) return wrap_add(x, static_cast<int64_t>(s));
    else return x + static_cast<decltype(x)>(s);
  });
  return with_scale_node(out, a, "AddBackward0", 1.0, ctx);
}

// d(a-s)/da = 1
Tensor sub_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, s, "sub", [s](auto x) {
    if constexpr (std::is_integral_v<decltype(x)>) return wrap_add(x, -static_cast<int64_t>(s));
    else return x - static_cast<decltype(x)>(s);
  });
  return with_scale_node(out, a, "SubBackward0", 1.0, ctx);
}

// d(a*s)/da = s
Tensor mul_scalar(const Tensor& a, double s, Ctx ctx) {
  if (may_defer(*a))
    if (Tensor lazy = defer_elementwise(FuseOp::MulScalar, a, nullptr, s, ctx)) return lazy;
  Tensor out = map(a, s, "mul", [s](auto x) {
    if constexpr (std::is_integral_v<decltype(x)>) return wrap_mul(x, static_cast<int64_t>(s));
    else return x * static_cast<decltype(x)>(s);
  });
  return with_scale_node(out, a, "MulBackward0", s, ctx);
}

// d(a/s)/da = 1/s
Tensor div_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map_float(a, "div", [s](auto x) { return x / static_cast<decltype(x)>(s); });
  return with_scale_node(out, a, "DivBackward0", 1.0 / s, ctx);
}

// d(s-a)/da = -1
Tensor rsub_scalar(const Tensor& a, double s, Ctx ctx) {
  Tensor out = map(a, s, "rsub", [s](auto x) {
    if constexpr (std::is_integral_v<decltype(x)>) return wrap_add(static_cast<int64_t>(s), -x);
    else return static_cast<decltype(x)>(s) - x;
  });
  return with_scale_node(out, a, "RsubBackward1", -1.0, ctx);
}

// d(-a)/da = -1
Tensor neg(const Tensor& a, Ctx ctx) {
  if (a->dtype == DType::Bool)
    fail_arg("neg: negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead. (shape " + shape_of(a) + ")");
  Tensor out = map_to(a, a->dtype, "neg", [](auto x) {
    if constexpr (std::is_integral_v<decltype(x)>) return wrap_add(0, -x);
    else return -x;
  });
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
  Tensor out = map_float(a, "div", [s](auto x) { return static_cast<decltype(x)>(s) / x; });
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new RdivBackward;
    n->s = s;
    record(ctx, out, n, {&a});
    n->save(n->a, a);
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
  DType d = result_type_scalar(a, e);
  if (d == DType::I64) {
    if (e < 0) fail_arg("pow: Integers to negative integer powers are not allowed.");
    int64_t k = static_cast<int64_t>(e);
    return map_to(a, d, "pow", [k](auto x) {
      int64_t r = 1, b = static_cast<int64_t>(x);
      for (int64_t p = k; p > 0; p >>= 1, b = wrap_mul(b, b))
        if (p & 1) r = wrap_mul(r, b);
      return r;
    });
  }
  Tensor out;
  // Exact, fast forms for the exponents that training code uses most.
  if (e == 2.0)
    out = map_to(a, d, "pow", [](auto x) { return x * x; });
  else if (e == 1.0)
    out = map_to(a, d, "pow", [](auto x) { return x; });
  else if (e == 0.0)
    out = map_to(a, d, "pow", [](auto x) { return decltype(x)(1); });
  else if (e == 0.5)
    out = map_to(a, d, "pow", [](auto x) { return std::sqrt(x); });
  else if (e == -1.0)
    out = map_to(a, d, "pow", [](auto x) { return decltype(x)(1) / x; });
  else
    out = map_to(a, d, "pow", [e](auto x) { return static_cast<decltype(x)>(std::pow(x, static_cast<decltype(x)>(e))); });
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new PowBackward0;
    n->e = e;
    record(ctx, out, n, {&a});
    n->save(n->a, a);
    n->has_saved = true;
  }
  return out;
}

}  // namespace nabla
