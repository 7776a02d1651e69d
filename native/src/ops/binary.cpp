// Broadcasting elementwise ops on two tensors. Each forward is followed by its backward rule.
#include <cmath>

#include "kernels/elementwise.h"
#include "ops/elementwise.h"
#include "ops/fuse.h"
#include "ops/registry.h"

namespace nabla {

Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op) {
  if (a == b) return a;  // the common case, e.g. every op of a training step on alike tensors
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

int dtype_rank(DType d) {
  switch (d) {
    case DType::Bool: return 0;
    case DType::I64: return 1;
    case DType::F32: return 2;
    case DType::F64: return 3;
  }
  return 0;
}

int dtype_category(DType d) { return d == DType::Bool ? 0 : d == DType::I64 ? 1 : 2; }

}  // namespace

// Note [type promotion]: as torch.result_type. Dimensioned tensors decide among themselves
// (bool < int64 < float32 < float64); a 0-dim tensor only decides when its category is higher, so
// float32 [2, 3] + float64 0-dim stays float32 but int64 [2] + float32 0-dim is float32.
DType result_type(const Tensor& a, const Tensor& b) {
  bool za = a->ndim() == 0, zb = b->ndim() == 0;
  if (za != zb) {
    const Tensor& dimmed = za ? b : a;
    const Tensor& zero = za ? a : b;
    return dtype_category(zero->dtype) > dtype_category(dimmed->dtype) ? zero->dtype : dimmed->dtype;
  }
  return dtype_rank(a->dtype) >= dtype_rank(b->dtype) ? a->dtype : b->dtype;
}

DType result_type_scalar(const Tensor& a, double s) {
  if (is_floating(a->dtype)) return a->dtype;
  bool integral = std::isfinite(s) && s == std::floor(s);
  return integral ? DType::I64 : DType::F32;
}

DType float_type(DType d) { return is_floating(d) ? d : DType::F32; }

namespace {

// The conversion is an op of its own, so a float gradient flows back in the input's dtype.
Tensor cast(const Tensor& t, DType d, Ctx ctx) { return t->dtype == d ? t : to_dtype(t, d, ctx); }

// Runs op on both operands converted to dtype d when either differs; false when none does.
template <class Op>
bool promote_to(DType d, const Tensor& a, const Tensor& b, Ctx ctx, Tensor& out, Op op) {
  if (a->dtype == d && b->dtype == d) return false;
  out = op(cast(a, d, ctx), cast(b, d, ctx), ctx);
  return true;
}

template <class Op>
bool promote(const Tensor& a, const Tensor& b, Ctx ctx, Tensor& out, Op op) {
  return promote_to(result_type(a, b), a, b, ctx, out, op);
}

// Both operands already have one dtype; bool runs through f's integer promotion and back.
template <class F>
Tensor binary_forward(const Tensor& a, const Tensor& b, const char* op, F f) {
  Tensor out = empty(broadcast_shapes(a->shape, b->shape, op), a->dtype);
  NB_DISPATCH_ALL(a->dtype, op, [&] {
    map2<scalar_t, scalar_t, scalar_t>(*out, *a, *b, [f](scalar_t x, scalar_t y) {
      return static_cast<scalar_t>(f(x, y));
    });
  });
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
  if (may_defer(*a) && (out = defer_elementwise(FuseOp::Add, a, &b, 0.0, ctx))) return out;
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
  if (a->dtype == DType::Bool)
    fail_arg("sub: subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
             "or `logical_xor()` operator instead. (shapes " + shape_of(a) + " and " + shape_of(b) + ")");
  if (may_defer(*a) && (out = defer_elementwise(FuseOp::Sub, a, &b, 0.0, ctx))) return out;
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
  if (may_defer(*a) && (out = defer_elementwise(FuseOp::Mul, a, &b, 0.0, ctx))) return out;
  out = binary_forward(a, b, "mul", [](auto x, auto y) { return x * y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new MulBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    if (a->requires_grad()) n->save(n->b, b);
    if (b->requires_grad()) n->save(n->a, a);
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
  // True division, as torch.div: integer and bool operands are divided as float32.
  if (promote_to(float_type(result_type(a, b)), a, b, ctx, out, div)) return out;
  if (may_defer(*a) && (out = defer_elementwise(FuseOp::Div, a, &b, 0.0, ctx))) return out;
  out = binary_forward(a, b, "div", [](auto x, auto y) { return x / y; });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new DivBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    n->save(n->b, b);
    if (b->requires_grad()) n->save(n->a, a);
    n->has_saved = true;
  }
  return out;
}

namespace {

Tensor zero_of(DType d) { return full(Dims{}, d, 0.0); }

int64_t ipow(int64_t base, int64_t e) {
  int64_t r = 1;
  while (e > 0) {
    if (e & 1) r = static_cast<int64_t>(static_cast<uint64_t>(r) * static_cast<uint64_t>(base));
    base = static_cast<int64_t>(static_cast<uint64_t>(base) * static_cast<uint64_t>(base));
    e >>= 1;
  }
  return r;
}

}  // namespace

// pow with a tensor exponent (torch.pow(Tensor, Tensor), PowBackward1 in PyTorch):
//   d/da a^b = b a^(b-1), and 0 where b == 0 (so 0^0 gives no NaN);
//   d/db a^b = a^b ln a, and 0 where a == 0 and b >= 0 (the limit; ln 0 would give NaN).
// Saves a and b, and a detached alias of the output for d/db (recomputed under create_graph so
// that the second derivative sees it).
struct PowBackward1 final : Node {
  Dims sa, sb;
  SavedTensor a, b, out;
  const char* name() const override { return "PowBackward1"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor zero = zero_of(av->dtype);
    Tensor ga, gb;
    if (wants(*this, 0)) {
      Tensor d = mul(bv, pow(av, sub_scalar(bv, 1.0, ctx), ctx), ctx);
      ga = sum_to(where(compare_scalar(bv, 0.0, CmpOp::EQ), zero, mul(g[0], d, ctx), ctx), sa, ctx);
    }
    if (wants(*this, 1)) {
      Tensor res = ctx.grad ? pow(av, bv, ctx) : out.unpack(*this);
      Tensor mask = logical(compare_scalar(av, 0.0, CmpOp::EQ), compare_scalar(bv, 0.0, CmpOp::GE),
                            LogicOp::AND);
      Tensor d = where(mask, zero, mul(res, log(av, ctx), ctx), ctx);
      gb = sum_to(mul(g[0], d, ctx), sb, ctx);
    }
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
    out.reset();
  }
};

Tensor pow(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out;
  if (promote(a, b, ctx, out, pow)) return out;
  if (a->dtype == DType::Bool)
    fail_arg("pow: not implemented for 'Bool' (shapes " + shape_of(a) + " and " + shape_of(b) + ")");
  out = empty(broadcast_shapes(a->shape, b->shape, "pow"), a->dtype);
  if (a->dtype == DType::I64) {
    // Checked before the loop, which must not throw: torch refuses negative integer powers.
    Tensor bc = contiguous(b, Ctx{});
    const int64_t* e = bc->data<int64_t>();
    for (int64_t i = 0, n = bc->numel(); i < n; ++i)
      if (e[i] < 0) fail_arg("pow: Integers to negative integer powers are not allowed.");
    map2<int64_t, int64_t, int64_t>(*out, *a, *b, [](int64_t x, int64_t y) { return ipow(x, y); });
    return out;
  }
  NB_DISPATCH_FLOAT(a->dtype, "pow", [&] {
    map2<scalar_t, scalar_t, scalar_t>(*out, *a, *b, [](scalar_t x, scalar_t y) { return std::pow(x, y); });
  });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new PowBackward1;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    n->save(n->a, a);
    n->save(n->b, b);
    if (b->requires_grad()) n->save(n->out, detach(out));
    n->has_saved = true;
  }
  return out;
}

// maximum / minimum: the gradient goes to the larger (smaller) operand and is split half-half on
// ties, as PyTorch's derivatives.yaml:
//   d/da = where(a == b, g/2, g) masked to 0 where a < b (maximum) or a > b (minimum); d/db mirrored.
// A NaN operand compares false everywhere, so both sides get the whole gradient there. Saves a, b.
struct MaxMinBackward final : Node {
  bool is_max;
  Dims sa, sb;
  SavedTensor a, b;
  const char* name() const override { return is_max ? "MaximumBackward0" : "MinimumBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor zero = zero_of(g[0]->dtype);
    Tensor split = where(compare(av, bv, CmpOp::EQ), mul_scalar(g[0], 0.5, ctx), g[0], ctx);
    Tensor ga, gb;
    if (wants(*this, 0))
      ga = sum_to(where(compare(av, bv, is_max ? CmpOp::LT : CmpOp::GT), zero, split, ctx), sa, ctx);
    if (wants(*this, 1))
      gb = sum_to(where(compare(av, bv, is_max ? CmpOp::GT : CmpOp::LT), zero, split, ctx), sb, ctx);
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

namespace {

Tensor max_min(const Tensor& a, const Tensor& b, bool is_max, Ctx ctx) {
  const char* op = is_max ? "maximum" : "minimum";
  DType d = result_type(a, b);
  if (a->dtype != d || b->dtype != d) return max_min(cast(a, d, ctx), cast(b, d, ctx), is_max, ctx);
  Tensor out = empty(broadcast_shapes(a->shape, b->shape, op), d);
  // NaN propagates from either side (x != x only for NaN).
  NB_DISPATCH_ALL(d, op, [&] {
    if (is_max)
      map2<scalar_t, scalar_t, scalar_t>(*out, *a, *b, [](scalar_t x, scalar_t y) {
        return x != x ? x : y != y ? y : x > y ? x : y;
      });
    else
      map2<scalar_t, scalar_t, scalar_t>(*out, *a, *b, [](scalar_t x, scalar_t y) {
        return x != x ? x : y != y ? y : x < y ? x : y;
      });
  });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new MaxMinBackward;
    n->is_max = is_max;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    n->save(n->a, a);
    n->save(n->b, b);
    n->has_saved = true;
  }
  return out;
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b, Ctx ctx) { return max_min(a, b, true, ctx); }
Tensor minimum(const Tensor& a, const Tensor& b, Ctx ctx) { return max_min(a, b, false, ctx); }

// where(mask, a, b): d/da = where(mask, g, 0), d/db = where(mask, 0, g), each summed back to its
// operand's shape. Saves the mask (bool, never differentiated).
struct WhereBackward0 final : Node {
  Dims sa, sb;
  SavedTensor mask;
  const char* name() const override { return "WhereBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor m = mask.unpack(*this);
    Tensor zero = zero_of(g[0]->dtype);
    Tensor ga, gb;
    if (wants(*this, 0)) ga = sum_to(where(m, g[0], zero, ctx), sa, ctx);
    if (wants(*this, 1)) gb = sum_to(where(m, zero, g[0], ctx), sb, ctx);
    return {ga, gb};
  }
  void release_saved() override { mask.reset(); }
};

Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b, Ctx ctx) {
  if (mask->dtype != DType::Bool)
    fail_arg(std::string("where: expected condition to be a boolean tensor, but got a tensor with dtype ") +
             dtype_name(mask->dtype) + " " + shape_of(mask));
  DType d = result_type(a, b);
  if (a->dtype != d || b->dtype != d) return where(mask, cast(a, d, ctx), cast(b, d, ctx), ctx);
  Dims ab = broadcast_shapes(a->shape, b->shape, "where");
  Dims shape;
  try {
    shape = broadcast_shapes(mask->shape, ab, "where");
  } catch (const Error&) {
    fail_shape("where: condition " + shape_of(mask) + ", a " + shape_of(a) + " and b " + shape_of(b) +
               " cannot be broadcast to one shape");
  }
  Tensor out = empty(shape, d);
  NB_DISPATCH_ALL(d, "where", [&] {
    map3<scalar_t, bool, scalar_t, scalar_t>(*out, *mask, *a, *b,
                                             [](bool m, scalar_t x, scalar_t y) { return m ? x : y; });
  });
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new WhereBackward0;
    n->sa = a->shape;
    n->sb = b->shape;
    record(ctx, out, n, {&a, &b});
    n->save(n->mask, mask);
    n->has_saved = true;
  }
  return out;
}

// pow: inputs = base, exponent (tensor-tensor, broadcasting)
NB_REGISTER_OP("pow", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = pow(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("maximum", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = maximum(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("minimum", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = minimum(a.tensor(0), a.tensor(1), c); });
// where: inputs = condition (bool), a, b; all three broadcast
NB_REGISTER_OP("where", 3, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = where(a.tensor(0), a.tensor(1), a.tensor(2), c); });

}  // namespace nabla
