// Broadcasting elementwise ops on two tensors. Each forward is followed by its backward rule.
#include "kernels/iter.h"
#include "ops/ops.h"

namespace nabla {

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  size_t n = a.size() > b.size() ? a.size() : b.size();
  Dims out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail_shape(std::string(op) + ": shapes " + dims_str(a) + " and " + dims_str(b) +
                 " cannot be broadcast: the size of tensor a (" + std::to_string(da) +
                 ") must match the size of tensor b (" + std::to_string(db) +
                 ") at non-singleton dimension " + std::to_string(i));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

void check_float(const Tensor& t, const char* op) {
  if (!is_floating(t->dtype))
    fail_arg(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(t->dtype) +
             " " + shape_of(t));
}

// Float type promotion as in PyTorch: float64 wins over float32. The conversion is an op of its
// own, so its gradient flows back in the input's dtype.
template <class Op>
bool promote(const Tensor& a, const Tensor& b, Ctx ctx, Tensor& out, Op op) {
  if (a->dtype == b->dtype) return false;
  DType d = (a->dtype == DType::F64 || b->dtype == DType::F64) ? DType::F64 : DType::F32;
  out = op(a->dtype == d ? a : to_dtype(a, d, ctx), b->dtype == d ? b : to_dtype(b, d, ctx), ctx);
  return true;
}

template <class F>
Tensor binary_forward(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_float(a, op);
  check_float(b, op);
  Tensor out = empty(broadcast_shapes(a->shape, b->shape, op), a->dtype);
  NB_DISPATCH_FLOAT(a->dtype, op, [&] { binary_kernel<scalar_t>(*out, *a, *b, f); });
  return out;
}

bool wants(const Node& n, size_t i) { return i < n.next.size() && n.next[i].fn; }

}  // namespace

// d(a+b)/da = 1, d(a+b)/db = 1, each summed back over the dims it was broadcast along.
struct AddBackward0 final : Node {
  Dims sa, sb;
  const char* name() const override { return "AddBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {wants(*this, 0) ? sum_to(g[0], sa, ctx) : Tensor(),
            wants(*this, 1) ? sum_to(g[0], sb, ctx) : Tensor()};
  }
};

Tensor add(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out;
  if (promote(a, b, ctx, out, add)) return out;
  out = binary_forward(a, b, "add", [](auto x, auto y) { return x + y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new AddBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
  }
  return out;
}

// d(a-b)/da = 1, d(a-b)/db = -1.
struct SubBackward0 final : Node {
  Dims sa, sb;
  const char* name() const override { return "SubBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {wants(*this, 0) ? sum_to(g[0], sa, ctx) : Tensor(),
            wants(*this, 1) ? neg(sum_to(g[0], sb, ctx), ctx) : Tensor()};
  }
};

Tensor sub(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out;
  if (promote(a, b, ctx, out, sub)) return out;
  out = binary_forward(a, b, "sub", [](auto x, auto y) { return x - y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new SubBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
  }
  return out;
}

// d(a*b)/da = b, d(a*b)/db = a; saves each operand only when the other one needs a gradient.
struct MulBackward0 final : Node {
  Dims sa, sb;
  SavedTensor a, b;
  const char* name() const override { return "MulBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor ga, gb;
    if (wants(*this, 0)) ga = sum_to(mul(g[0], b.unpack(*this), ctx), sa, ctx);
    if (wants(*this, 1)) gb = sum_to(mul(g[0], a.unpack(*this), ctx), sb, ctx);
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

Tensor mul(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out;
  if (promote(a, b, ctx, out, mul)) return out;
  out = binary_forward(a, b, "mul", [](auto x, auto y) { return x * y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new MulBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    if (a->requires_grad()) n->b.save(b);
    if (b->requires_grad()) n->a.save(a);
    n->has_saved = true;
  }
  return out;
}

// d(a/b)/da = 1/b, d(a/b)/db = -a/b^2.
struct DivBackward0 final : Node {
  Dims sa, sb;
  SavedTensor a, b;
  const char* name() const override { return "DivBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor bv = b.unpack(*this);
    Tensor ga, gb;
    if (wants(*this, 0)) ga = sum_to(div(g[0], bv, ctx), sa, ctx);
    if (wants(*this, 1)) {
      Tensor q = div(a.unpack(*this), mul(bv, bv, ctx), ctx);
      gb = sum_to(neg(mul(g[0], q, ctx), ctx), sb, ctx);
    }
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

Tensor div(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out;
  if (promote(a, b, ctx, out, div)) return out;
  out = binary_forward(a, b, "div", [](auto x, auto y) { return x / y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new DivBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    n->b.save(b);
    if (b->requires_grad()) n->a.save(a);
    n->has_saved = true;
  }
  return out;
}

}  // namespace nabla
