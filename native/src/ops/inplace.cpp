// In-place ops: the optimizer's update step, zeroing, filling.
//
// Note [in-place and autograd]: outside grad mode (or when nothing requires grad) an in-place op
// writes into the tensor and bumps its version, which is what makes a later backward through a
// node that saved it fail. Under grad mode, when the result needs a gradient, the result is
// computed out of place with its graph and written back, and the tensor takes over the result's
// grad_fn ("rebasing its history"), as PyTorch does; an op that saves its own input saves a
// clone. A leaf that requires grad is refused under grad mode, as in PyTorch.
#include "kernels/copy.h"
#include "ops/ops.h"

namespace nabla {

namespace {

void check_writable(const Tensor& a, Ctx ctx, const char* op) {
  if (ctx.grad && a->is_leaf() && a->requires_grad_)
    fail_state(std::string(op) +
               ": a leaf Variable that requires grad is being used in an in-place operation.");
  for (size_t i = 0; i < a->shape.size(); ++i)
    if (a->strides[i] == 0 && a->shape[i] > 1)
      fail_arg(std::string(op) +
               ": unsupported operation: more than one element of the written-to tensor refers to "
               "a single memory location (shape " + shape_of(a) + "). Please clone() the tensor before "
               "performing the operation.");
}

void check_shape(const Tensor& a, const Tensor& b, const char* op) {
  Dims s = broadcast_shapes(a->shape, b->shape, op);
  if (s != a->shape)
    fail_shape(std::string(op) + ": output with shape " + shape_of(a) +
               " doesn't match the broadcast shape " + dims_str(s));
}

bool needs_history(const Tensor& a, const Tensor* b, Ctx ctx, const char* op) {
  bool needs = b ? any_requires_grad(ctx, {&a, b}) : any_requires_grad(ctx, {&a});
  if (needs && a->is_view)
    fail_arg(std::string(op) +
             ": an in-place op on a view, under grad mode, where a gradient is needed is not "
             "supported yet; use the out-of-place op or clone() first");
  return needs;
}

// Writes r into a and gives a r's history.
void rebase(const Tensor& a, const Tensor& r) {
  a->prepare_write();
  copy_into(*a, *r);
  a->bump_version();
  a->grad_fn = r->grad_fn;
  a->output_nr = r->output_nr;
}

// An operand that shares a's memory in another layout (a.add_(a.t())) would be read after it was
// overwritten; it is copied first, so the result is as if computed out of place.
bool overlaps_differently(const Tensor& a, const Tensor& b) {
  return a->storage == b->storage &&
         !(a->offset == b->offset && a->shape == b->shape && a->strides == b->strides);
}

template <class F>
void binary_raw(const Tensor& a, const Tensor& b, const char* op, F f) {
  Tensor bb = b->dtype == a->dtype ? b : to_dtype(b, a->dtype, Ctx{});
  if (overlaps_differently(a, bb)) bb = clone(bb, Ctx{});
  a->prepare_write();
  NB_DISPATCH_NUMERIC(a->dtype, op, [&] { binary_kernel<scalar_t>(*a, *a, *bb, f); });
  a->bump_version();
}

template <class F>
void unary_raw(const Tensor& a, const char* op, F f) {
  a->prepare_write();
  NB_DISPATCH_NUMERIC(a->dtype, op, [&] { unary_kernel<scalar_t>(*a, *a, f); });
  a->bump_version();
}

}  // namespace

void add_inplace_raw(const Tensor& a, const Tensor& b, double alpha) {
  if (alpha == 1.0)
    binary_raw(a, b, "add_", [](auto x, auto y) { return x + y; });
  else
    binary_raw(a, b, "add_", [alpha](auto x, auto y) { return x + static_cast<decltype(x)>(alpha) * y; });
}

void add_(const Tensor& a, const Tensor& b, double alpha, Ctx ctx) {
  check_writable(a, ctx, "add_");
  check_shape(a, b, "add_");
  if (needs_history(a, &b, ctx, "add_")) {
    Tensor bb = alpha == 1.0 ? b : mul_scalar(b, alpha, ctx);
    rebase(a, to_dtype(add(a, bb, ctx), a->dtype, ctx));
    return;
  }
  add_inplace_raw(a, b, alpha);
}

void sub_(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_writable(a, ctx, "sub_");
  check_shape(a, b, "sub_");
  if (needs_history(a, &b, ctx, "sub_")) {
    rebase(a, to_dtype(sub(a, b, ctx), a->dtype, ctx));
    return;
  }
  binary_raw(a, b, "sub_", [](auto x, auto y) { return x - y; });
}

void mul_(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_writable(a, ctx, "mul_");
  check_shape(a, b, "mul_");
  if (needs_history(a, &b, ctx, "mul_")) {
    rebase(a, to_dtype(mul(clone(a, ctx), b, ctx), a->dtype, ctx));
    return;
  }
  binary_raw(a, b, "mul_", [](auto x, auto y) { return x * y; });
}

void add_scalar_(const Tensor& a, double s, Ctx ctx) {
  check_writable(a, ctx, "add_");
  if (needs_history(a, nullptr, ctx, "add_")) {
    rebase(a, add_scalar(a, s, ctx));
    return;
  }
  unary_raw(a, "add_", [s](auto x) { return x + static_cast<decltype(x)>(s); });
}

void mul_scalar_(const Tensor& a, double s, Ctx ctx) {
  check_writable(a, ctx, "mul_");
  if (needs_history(a, nullptr, ctx, "mul_")) {
    rebase(a, mul_scalar(a, s, ctx));
    return;
  }
  unary_raw(a, "mul_", [s](auto x) { return x * static_cast<decltype(x)>(s); });
}

// Filling forgets the old values: no gradient flows to them.
struct FillBackward0 final : Node {
  const char* name() const override { return "FillBackward0"; }
  Grads apply(Grads&, Ctx) override { return {Tensor()}; }
};

void fill_(const Tensor& a, double v, Ctx ctx) {
  check_writable(a, ctx, "fill_");
  bool history = needs_history(a, nullptr, ctx, "fill_");
  a->prepare_write();
  NB_DISPATCH_ALL(a->dtype, "fill_", [&] {
    Tensor src = full({}, a->dtype, v);
    copy_into(*a, *src);
  });
  a->bump_version();
  if (history) {
    Tensor tmp = empty({}, a->dtype);
    record(ctx, tmp, new FillBackward0, {&a});
    a->grad_fn = tmp->grad_fn;
    a->output_nr = 0;
  }
}

void copy_(const Tensor& a, const Tensor& src, Ctx ctx) {
  check_writable(a, ctx, "copy_");
  check_shape(a, src, "copy_");
  if (needs_history(a, &src, ctx, "copy_")) {
    if (is_floating(a->dtype)) {
      rebase(a, clone(expand(to_dtype(src, a->dtype, ctx), a->shape, ctx), ctx));
      return;
    }
  }
  a->prepare_write();
  copy_into(*a, *(overlaps_differently(a, src) ? clone(src, Ctx{}) : src));
  a->bump_version();
}

}  // namespace nabla
