// Views (sharing storage) and copies. Forward, then the backward rule right below.
#include "kernels/copy.h"
#include "ops/ops.h"

namespace nabla {

namespace {

Tensor make_view(const Tensor& a, Dims shape, Dims strides, int64_t offset) {
  Tensor v = alias_with(a, std::move(shape), std::move(strides), offset);
  v->is_view = true;
  return v;
}

Dims infer_shape(const Tensor& a, const Dims& shape, const char* op) {
  Dims out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0) fail_arg(std::string(op) + ": only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      fail_arg(std::string(op) + ": invalid shape dimension " + std::to_string(out[i]) + " in " + dims_str(shape));
    } else {
      known *= out[i];
    }
  }
  int64_t n = a->numel();
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      fail_shape(std::string(op) + ": shape " + dims_str(shape) + " is invalid for input of size " +
                 std::to_string(n) + " (input shape " + shape_of(a) + ")");
    out[infer] = n / known;
  } else if (known != n) {
    fail_shape(std::string(op) + ": shape " + dims_str(shape) + " is invalid for input of size " +
               std::to_string(n) + " (input shape " + shape_of(a) + ")");
  }
  return out;
}

// Strides for viewing (old_shape, old_strides) as new_shape without a copy, if they exist.
// Walks both shapes from the innermost dim, matching chunks of dims that are contiguous in memory.
bool view_strides(const Dims& os, const Dims& ost, const Dims& ns, Dims& out) {
  out = Dims(ns.size(), 1);
  if (dims_numel(os) == 0 || os.empty()) {
    out = contiguous_strides(ns);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(ns.size()) - 1;
  int64_t chunk_base = ost.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = static_cast<int64_t>(os.size()) - 1; td >= 0; --td) {
    tensor_numel *= os[td];
    if (td == 0 || (os[td - 1] != 1 && ost[td - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || ns[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base;
        view_numel *= ns[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (td > 0) {
        chunk_base = ost[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

// A view's gradient is the incoming gradient seen in the input's shape.
struct ViewBackward final : Node {
  const char* nm;
  Dims in_shape;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override { return {reshape(g[0], in_shape, ctx)}; }
};

namespace {
Tensor reshape_impl(const Tensor& a, const Dims& shape, bool must_view, Ctx ctx) {
  const char* op = must_view ? "view" : "reshape";
  Dims ns = infer_shape(a, shape, op);
  Dims st;
  Tensor out;
  const char* node_name = "ViewBackward0";
  if (view_strides(a->shape, a->strides, ns, st)) {
    out = make_view(a, ns, st, a->offset);
  } else if (must_view) {
    fail_arg("view: view size " + dims_str(ns) + " is not compatible with input tensor's size " +
             shape_of(a) + " and stride " + dims_str(a->strides) +
             " (at least one dimension spans across two contiguous subspaces). Use reshape() instead.");
  } else {
    out = empty(ns, a->dtype);
    Tensor src = make_view(a, a->shape, a->strides, a->offset);
    // Copy in row-major order of a, then reinterpret as ns.
    Tensor tmp = alias_with(out, a->shape, contiguous_strides(a->shape), 0);
    copy_into(*tmp, *src);
    node_name = "UnsafeViewBackward0";
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new ViewBackward;
    n->nm = node_name;
    n->in_shape = a->shape;
    record(ctx, out, n, {&a});
  }
  return out;
}
}  // namespace

Tensor reshape(const Tensor& a, const Dims& shape, Ctx ctx) { return reshape_impl(a, shape, false, ctx); }
Tensor view(const Tensor& a, const Dims& shape, Ctx ctx) { return reshape_impl(a, shape, true, ctx); }

// Transposing is its own inverse.
struct TransposeBackward0 final : Node {
  int64_t d0, d1;
  const char* name() const override { return "TransposeBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {transpose(g[0], d0, d1, ctx)}; }
};

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1, Ctx ctx) {
  int64_t n = a->ndim();
  d0 = wrap_dim(d0, n, "transpose");
  d1 = wrap_dim(d1, n, "transpose");
  Dims sh = a->shape, st = a->strides;
  if (n > 0) {
    std::swap(sh[d0], sh[d1]);
    std::swap(st[d0], st[d1]);
  }
  Tensor out = make_view(a, sh, st, a->offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new TransposeBackward0;
    node->d0 = d0;
    node->d1 = d1;
    record(ctx, out, node, {&a});
  }
  return out;
}

// Broadcasting copies a value along a dim, so its gradient sums along it.
struct ExpandBackward0 final : Node {
  Dims in_shape;
  const char* name() const override { return "ExpandBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {sum_to(g[0], in_shape, ctx)}; }
};

Tensor expand(const Tensor& a, const Dims& shape, Ctx ctx) {
  size_t n = shape.size(), m = a->shape.size();
  if (n < m)
    fail_shape("expand: the number of sizes provided (" + std::to_string(n) +
               ") must be greater or equal to the number of dimensions in the tensor (" +
               std::to_string(m) + "); tensor shape " + shape_of(a) + ", target " + dims_str(shape));
  Dims sh(n, 0), st(n, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t want = shape[i];
    if (i < n - m) {
      if (want < 0) fail_shape("expand: -1 is not allowed in a leading, non-existing dimension; target " + dims_str(shape));
      sh[i] = want;
      st[i] = 0;
      continue;
    }
    int64_t have = a->shape[i - (n - m)];
    if (want == -1) want = have;
    if (have == want) {
      sh[i] = have;
      st[i] = a->strides[i - (n - m)];
    } else if (have == 1) {
      sh[i] = want;
      st[i] = 0;
    } else {
      fail_shape("expand: the expanded size of the tensor (" + std::to_string(want) +
                 ") must match the existing size (" + std::to_string(have) +
                 ") at non-singleton dimension " + std::to_string(i) + ".  Target sizes: " +
                 dims_str(shape) + ".  Tensor sizes: " + shape_of(a));
    }
  }
  Tensor out = make_view(a, sh, st, a->offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new ExpandBackward0;
    node->in_shape = a->shape;
    record(ctx, out, node, {&a});
  }
  return out;
}

// A copy passes its gradient through unchanged.
struct CloneBackward0 final : Node {
  const char* name() const override { return "CloneBackward0"; }
  Grads apply(Grads& g, Ctx) override { return {g[0]}; }
};

Tensor clone(const Tensor& a, Ctx ctx) {
  Tensor out = empty(a->shape, a->dtype);
  copy_into(*out, *a);
  if (any_requires_grad(ctx, {&a})) record(ctx, out, new CloneBackward0, {&a});
  return out;
}

Tensor contiguous(const Tensor& a, Ctx ctx) { return a->is_contiguous() ? a : clone(a, ctx); }

// Converting dtype: the gradient is converted back.
struct ToCopyBackward0 final : Node {
  DType in_dtype;
  const char* name() const override { return "ToCopyBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {to_dtype(g[0], in_dtype, ctx)}; }
};

Tensor to_dtype(const Tensor& a, DType dtype, Ctx ctx) {
  if (a->dtype == dtype) return a;
  Tensor out = empty(a->shape, dtype);
  copy_into(*out, *a);
  if (is_floating(dtype) && is_floating(a->dtype) && any_requires_grad(ctx, {&a})) {
    auto* n = new ToCopyBackward0;
    n->in_dtype = a->dtype;
    record(ctx, out, n, {&a});
  }
  return out;
}

Tensor detach(const Tensor& a) { return make_view(a, a->shape, a->strides, a->offset); }

}  // namespace nabla
