// Shape ops beyond the core views: permute, squeeze/unsqueeze, flatten, slicing, select, and
// joining/splitting (cat, stack, split, chunk). Forward, then the backward rule right below.
//
// The views share the input's storage and only change shape, strides and offset; their backward
// rules put the gradient back into the input's shape (a slice's gradient is zeros with the
// gradient written into the sliced positions).
#include "ops/shape_ext.h"

#include <algorithm>

#include "kernels/copy.h"
#include "ops/registry.h"

namespace nabla {

namespace {

Tensor make_view(const Tensor& a, Dims shape, Dims strides, int64_t offset) {
  Tensor v = alias_with(a, std::move(shape), std::move(strides), offset);
  v->is_view = true;
  return v;
}

bool list_requires_grad(Ctx ctx, const std::vector<Tensor>& ts) {
  if (!ctx.grad) return false;
  for (const Tensor& t : ts)
    if (t->requires_grad()) return true;
  return false;
}

// Note [list inputs in record]: record() takes a fixed initializer list. For an op over a list of
// tensors (cat) it is called with one input that requires grad, so that it sets the node's
// sequence number and out's grad_fn, and the edges are then rebuilt with one per list entry.
// The caller checks list_requires_grad first.
void record_list(Ctx ctx, const Tensor& out, Node* node, const std::vector<Tensor>& inputs) {
  const Tensor* first = nullptr;
  for (const Tensor& t : inputs)
    if (t->requires_grad()) {
      first = &t;
      break;
    }
  record(ctx, out, node, {first});
  node->next.clear();
  for (const Tensor& t : inputs) node->next.push_back(t->requires_grad() ? gradient_edge(t) : Edge{});
}

// One node for several outputs (split, chunk): output k feeds the node's gradient slot k.
void record_multi(Ctx ctx, const std::vector<Tensor>& outs, Node* node, const Tensor& a) {
  if (!record(ctx, outs[0], node, {&a})) return;
  for (size_t k = 1; k < outs.size(); ++k) {
    outs[k]->grad_fn = outs[0]->grad_fn;
    outs[k]->output_nr = static_cast<uint32_t>(k);
  }
}

std::string list_str(const Dims& d) { return dims_str(d); }

}  // namespace

// ---- permute ----

// A permutation's gradient is the gradient under the inverse permutation.
struct PermuteBackward0 final : Node {
  Dims inverse;
  const char* name() const override { return "PermuteBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {permute(g[0], inverse, ctx)}; }
};

Tensor permute(const Tensor& a, const Dims& dims, Ctx ctx) {
  int64_t n = a->ndim();
  if (static_cast<int64_t>(dims.size()) != n)
    fail_shape("permute: number of dimensions in the tensor input does not match the length of the "
               "desired ordering of dimensions i.e. input.dim() = " + std::to_string(n) +
               " is not equal to len(dims) = " + std::to_string(dims.size()) + " (input shape " +
               shape_of(a) + ", dims " + list_str(dims) + ")");
  Dims sh(n, 0), st(n, 0), inv(n, 0);
  SmallVec<bool, 6> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n, "permute");
    if (seen[d]) fail_arg("permute: duplicate dims are not allowed: dims " + list_str(dims));
    seen[d] = true;
    sh[i] = a->shape[d];
    st[i] = a->strides[d];
    inv[d] = i;
  }
  Tensor out = make_view(a, sh, st, a->offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new PermuteBackward0;
    node->inverse = inv;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- squeeze / unsqueeze ----

// Removing or inserting size-1 dims does not move values: the gradient is reshaped back.
struct SqueezeBackward final : Node {
  const char* nm;
  Dims in_shape;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override { return {reshape(g[0], in_shape, ctx)}; }
};

namespace {
Tensor squeeze_impl(const Tensor& a, int64_t dim, bool all, Ctx ctx) {
  Dims sh, st;
  for (int64_t d = 0; d < a->ndim(); ++d) {
    bool drop = a->shape[d] == 1 && (all || d == dim);
    if (!drop) {
      sh.push_back(a->shape[d]);
      st.push_back(a->strides[d]);
    }
  }
  Tensor out = make_view(a, sh, st, a->offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new SqueezeBackward;
    node->nm = all ? "SqueezeBackward0" : "SqueezeBackward1";
    node->in_shape = a->shape;
    record(ctx, out, node, {&a});
  }
  return out;
}
}  // namespace

Tensor squeeze(const Tensor& a, Ctx ctx) { return squeeze_impl(a, -1, true, ctx); }

Tensor squeeze_dim(const Tensor& a, int64_t dim, Ctx ctx) {
  return squeeze_impl(a, wrap_dim(dim, a->ndim(), "squeeze"), false, ctx);
}

struct UnsqueezeBackward0 final : Node {
  int64_t dim;
  const char* name() const override { return "UnsqueezeBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {squeeze_dim(g[0], dim, ctx)}; }
};

Tensor unsqueeze(const Tensor& a, int64_t dim, Ctx ctx) {
  int64_t n = a->ndim();
  dim = wrap_dim(dim, n + 1, "unsqueeze");
  Dims sh = a->shape, st = a->strides;
  // The new dim's stride is irrelevant for indexing; PyTorch picks size*stride of the dim after it.
  int64_t stride = dim < n ? a->shape[dim] * a->strides[dim] : 1;
  sh.insert_at(static_cast<size_t>(dim), 1);
  st.insert_at(static_cast<size_t>(dim), stride);
  Tensor out = make_view(a, sh, st, a->offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new UnsqueezeBackward0;
    node->dim = dim;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- flatten: a reshape, so a view when the strides allow one (and reshape's backward) ----

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim, Ctx ctx) {
  int64_t n = a->ndim();
  if (n == 0) return reshape(a, Dims{1}, ctx);
  int64_t s = wrap_dim(start_dim, n, "flatten"), e = wrap_dim(end_dim, n, "flatten");
  if (s > e)
    fail_arg("flatten: flatten() has invalid args: start_dim cannot come after end_dim (start_dim " +
             std::to_string(start_dim) + ", end_dim " + std::to_string(end_dim) + ", input shape " +
             shape_of(a) + ")");
  if (s == e) return a;
  Dims sh;
  int64_t prod = 1;
  for (int64_t d = 0; d < n; ++d) {
    if (d < s || d > e) sh.push_back(a->shape[d]);
    else prod *= a->shape[d];
    if (d == e) sh.push_back(prod);
  }
  return reshape(a, sh, ctx);
}

// ---- slice, narrow ----

// The gradient of a[start:end:step] is zeros in a's shape with the gradient in the sliced spots.
struct SliceBackward0 final : Node {
  const char* nm;
  Dims in_shape;
  int64_t dim, start, end, step;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {slice_backward(g[0], in_shape, dim, start, end, step, ctx)};
  }
};

namespace {
// start and end already normalized (0 <= start <= end <= size).
Tensor slice_view(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Dims sh = a->shape, st = a->strides;
  sh[dim] = (end - start + step - 1) / step;
  st[dim] = a->strides[dim] * step;
  return make_view(a, sh, st, a->offset + start * a->strides[dim]);
}

Tensor slice_impl(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step,
                  const char* node_name, Ctx ctx) {
  Tensor out = slice_view(a, dim, start, end, step);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new SliceBackward0;
    node->nm = node_name;
    node->in_shape = a->shape;
    node->dim = dim;
    node->start = start;
    node->end = end;
    node->step = step;
    record(ctx, out, node, {&a});
  }
  return out;
}
}  // namespace

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step, Ctx ctx) {
  if (a->ndim() == 0) fail_arg("slice: slice() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, a->ndim(), "slice");
  if (step <= 0) fail_arg("slice: slice step must be positive, got " + std::to_string(step));
  // Python's clamping: negative bounds count from the end, then both are clamped to [0, size].
  int64_t size = a->shape[dim];
  if (start < 0) start = start < -size ? 0 : start + size;
  if (end < 0) end = end < -size ? 0 : end + size;
  start = std::min(start, size);
  end = std::min(std::max(end, start), size);
  return slice_impl(a, dim, start, end, step, "SliceBackward0", ctx);
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length, Ctx ctx) {
  if (a->ndim() == 0) fail_arg("narrow: narrow() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, a->ndim(), "narrow");
  if (length < 0)
    fail_arg("narrow: length must be non-negative, got " + std::to_string(length));
  int64_t size = a->shape[dim];
  if (start < -size || start > size)
    fail_arg("narrow: start out of range (expected to be in range of [" + std::to_string(-size) +
             ", " + std::to_string(size) + "], but got " + std::to_string(start) + ") for input shape " +
             shape_of(a) + " at dimension " + std::to_string(dim));
  if (start < 0) start += size;
  if (start > size - length)
    fail_arg("narrow: start (" + std::to_string(start) + ") + length (" + std::to_string(length) +
             ") exceeds dimension size (" + std::to_string(size) + ") for input shape " + shape_of(a) +
             " at dimension " + std::to_string(dim));
  return slice_impl(a, dim, start, start + length, 1, "SliceBackward0", ctx);
}

// slice_backward is linear in g; its gradient picks the same slice out of the incoming gradient.
struct SliceBackwardBackward0 final : Node {
  int64_t dim, start, end, step;
  const char* name() const override { return "SliceBackwardBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {slice_impl(g[0], dim, start, end, step, "SliceBackward0", ctx)}; }
};

Tensor slice_backward(const Tensor& g, const Dims& in_shape, int64_t dim, int64_t start, int64_t end,
                      int64_t step, Ctx ctx) {
  Tensor out = full(in_shape, g->dtype, 0.0);
  Tensor spot = slice_view(out, dim, start, end, step);
  if (spot->shape != g->shape)
    fail_shape("slice_backward: gradient of shape " + shape_of(g) + " does not fit the slice " +
               shape_of(spot) + " of " + dims_str(in_shape));
  copy_into(*spot, *g);
  if (any_requires_grad(ctx, {&g})) {
    auto* node = new SliceBackwardBackward0;
    node->dim = dim;
    node->start = start;
    node->end = end;
    node->step = step;
    record(ctx, out, node, {&g});
  }
  return out;
}

// ---- select: a[..., index, ...] ----

// The gradient is zeros with the incoming gradient at the selected index.
struct SelectBackward0 final : Node {
  Dims in_shape;
  int64_t dim, index;
  const char* name() const override { return "SelectBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {slice_backward(unsqueeze(g[0], dim, ctx), in_shape, dim, index, index + 1, 1, ctx)};
  }
};

Tensor select(const Tensor& a, int64_t dim, int64_t index, Ctx ctx) {
  if (a->ndim() == 0) fail_arg("select: select() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, a->ndim(), "select");
  int64_t size = a->shape[dim];
  if (index < -size || index >= size)
    fail_arg("select: index " + std::to_string(index) + " out of range for tensor of size " +
             shape_of(a) + " at dimension " + std::to_string(dim));
  if (index < 0) index += size;
  Dims sh = a->shape, st = a->strides;
  int64_t offset = a->offset + index * a->strides[dim];
  sh.erase_at(static_cast<size_t>(dim));
  st.erase_at(static_cast<size_t>(dim));
  Tensor out = make_view(a, sh, st, offset);
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new SelectBackward0;
    node->in_shape = a->shape;
    node->dim = dim;
    node->index = index;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- cat, stack ----

// Each input's gradient is its stretch of the output's gradient along dim.
struct CatBackward0 final : Node {
  int64_t dim;
  std::vector<int64_t> sizes;  // along dim; -1 for a skipped legacy empty input
  DType dtype;
  const char* name() const override { return "CatBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Grads out;
    int64_t off = 0;
    for (int64_t s : sizes) {
      if (s < 0) {
        out.push_back(full(Dims{0}, dtype, 0.0));
        continue;
      }
      out.push_back(next[out.size()].fn ? narrow(g[0], dim, off, s, ctx) : Tensor{});
      off += s;
    }
    return out;
  }
};

namespace {
// PyTorch's promotion over the dtypes Nabla has: float64 > float32 > int64 > bool.
int dtype_rank(DType d) {
  switch (d) {
    case DType::Bool: return 0;
    case DType::I64: return 1;
    case DType::F32: return 2;
    case DType::F64: return 3;
  }
  return 0;
}

// Note [legacy empty tensors in cat]: as in PyTorch, 1-d tensors of shape [0] are skipped
// whatever the other inputs' shapes, so that torch.cat([torch.tensor([]), x]) works.
bool is_legacy_empty(const Tensor& t) { return t->ndim() == 1 && t->shape[0] == 0; }
}  // namespace

Tensor cat(const std::vector<Tensor>& in, int64_t dim, Ctx ctx) {
  if (in.empty()) fail_arg("cat: expected a non-empty list of Tensors");
  DType dtype = in[0]->dtype;
  for (const Tensor& t : in)
    if (dtype_rank(t->dtype) > dtype_rank(dtype)) dtype = t->dtype;
  std::vector<Tensor> ts;
  ts.reserve(in.size());
  for (const Tensor& t : in) ts.push_back(to_dtype(t, dtype, ctx));  // converts only when needed

  size_t ref = 0;
  while (ref < ts.size() && is_legacy_empty(ts[ref])) ++ref;
  if (ref == ts.size()) ref = 0;  // all are [0]: the result is [0]
  const Tensor& r = ts[ref];
  for (size_t k = 0; k < ts.size(); ++k)
    if (ts[k]->ndim() == 0)
      fail_arg("cat: zero-dimensional tensor (at position " + std::to_string(k) +
               ") cannot be concatenated");
  int64_t nd = r->ndim();
  dim = wrap_dim(dim, nd, "cat");
  Dims sh = r->shape;
  int64_t total = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    const Tensor& t = ts[k];
    if (k != ref && is_legacy_empty(t)) continue;
    if (t->ndim() != nd)
      fail_shape("cat: Tensors must have same number of dimensions: got " + std::to_string(nd) +
                 " and " + std::to_string(t->ndim()) + " (tensor " + std::to_string(ref) + " has shape " +
                 shape_of(r) + ", tensor " + std::to_string(k) + " has shape " + shape_of(t) + ")");
    for (int64_t d = 0; d < nd; ++d)
      if (d != dim && t->shape[d] != r->shape[d])
        fail_shape("cat: Sizes of tensors must match except in dimension " + std::to_string(dim) +
                   ". Expected size " + std::to_string(r->shape[d]) + " but got size " +
                   std::to_string(t->shape[d]) + " for tensor number " + std::to_string(k) +
                   " in the list (shapes " + shape_of(r) + " and " + shape_of(t) + ")");
    total += t->shape[dim];
  }
  sh[dim] = total;
  Tensor out = empty(sh, dtype);
  std::vector<int64_t> sizes;
  int64_t off = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    const Tensor& t = ts[k];
    if (k != ref && is_legacy_empty(t)) {
      sizes.push_back(-1);
      continue;
    }
    Tensor spot = alias_with(out, t->shape, out->strides, off * out->strides[dim]);
    copy_into(*spot, *t);
    sizes.push_back(t->shape[dim]);
    off += t->shape[dim];
  }
  if (list_requires_grad(ctx, ts)) {
    auto* node = new CatBackward0;
    node->dim = dim;
    node->sizes = std::move(sizes);
    node->dtype = dtype;
    record_list(ctx, out, node, ts);
  }
  return out;
}

// stack = cat of the inputs unsqueezed at dim; the gradient flows through both.
Tensor stack(const std::vector<Tensor>& ts, int64_t dim, Ctx ctx) {
  if (ts.empty()) fail_arg("stack: stack expects a non-empty TensorList");
  for (size_t k = 1; k < ts.size(); ++k)
    if (ts[k]->shape != ts[0]->shape)
      fail_shape("stack: stack expects each tensor to be equal size, but got " + shape_of(ts[0]) +
                 " at entry 0 and " + shape_of(ts[k]) + " at entry " + std::to_string(k));
  dim = wrap_dim(dim, ts[0]->ndim() + 1, "stack");
  std::vector<Tensor> us;
  us.reserve(ts.size());
  for (const Tensor& t : ts) us.push_back(unsqueeze(t, dim, ctx));
  return cat(us, dim, ctx);
}

// ---- split, split_with_sizes, chunk ----

// The input's gradient is the outputs' gradients concatenated; an output that received none
// contributes zeros.
struct SplitBackward final : Node {
  const char* nm;
  int64_t dim;
  Dims sizes;
  Dims in_shape;
  DType dtype;
  const char* name() const override { return nm; }
  uint32_t num_outputs() const override { return static_cast<uint32_t>(sizes.size()); }
  Grads apply(Grads& g, Ctx ctx) override {
    std::vector<Tensor> parts;
    parts.reserve(sizes.size());
    for (size_t k = 0; k < sizes.size(); ++k) {
      if (k < g.size() && g[k]) {
        parts.push_back(g[k]);
      } else {
        Dims s = in_shape;
        s[dim] = sizes[k];
        parts.push_back(full(s, dtype, 0.0));
      }
    }
    return {parts.size() == 1 ? parts[0] : cat(parts, dim, ctx)};
  }
};

namespace {
std::vector<Tensor> split_impl(const Tensor& a, const Dims& sizes, int64_t dim, const char* node_name,
                               Ctx ctx) {
  std::vector<Tensor> outs;
  outs.reserve(sizes.size());
  int64_t off = 0;
  for (int64_t s : sizes) {
    outs.push_back(slice_view(a, dim, off, off + s, 1));
    off += s;
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new SplitBackward;
    node->nm = node_name;
    node->dim = dim;
    node->sizes = sizes;
    node->in_shape = a->shape;
    node->dtype = a->dtype;
    record_multi(ctx, outs, node, a);
  }
  return outs;
}

int64_t split_dim(const Tensor& a, int64_t dim, const char* op) {
  if (a->ndim() == 0)
    fail_arg(std::string(op) + ": " + op + " expects at least a 1-dimensional tensor");
  return wrap_dim(dim, a->ndim(), op);
}
}  // namespace

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim, Ctx ctx) {
  dim = split_dim(a, dim, "split");
  int64_t size = a->shape[dim];
  if (split_size < 0)
    fail_arg("split: split expects split_size be non-negative, but got split_size=" +
             std::to_string(split_size));
  if (split_size == 0 && size != 0)
    fail_arg("split: split_size can only be 0 if dimension size is 0, but got dimension size of " +
             std::to_string(size) + " (input shape " + shape_of(a) + ", dim " + std::to_string(dim) + ")");
  int64_t n = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  Dims sizes(static_cast<size_t>(n), split_size);
  sizes.back() = size - split_size * (n - 1);
  return split_impl(a, sizes, dim, "SplitBackward0", ctx);
}

std::vector<Tensor> split_with_sizes(const Tensor& a, const Dims& sizes, int64_t dim, Ctx ctx) {
  dim = split_dim(a, dim, "split_with_sizes");
  int64_t size = a->shape[dim], total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      fail_arg("split_with_sizes: split_with_sizes expects split_sizes have only non-negative entries, "
               "but got split_sizes=" + list_str(sizes));
    total += s;
  }
  if (sizes.empty() || total != size)
    fail_arg("split_with_sizes: split_with_sizes expects split_sizes to sum exactly to " +
             std::to_string(size) + " (input tensor's size at dimension " + std::to_string(dim) +
             "), but got split_sizes=" + list_str(sizes) + " (input shape " + shape_of(a) + ")");
  return split_impl(a, sizes, dim, "SplitWithSizesBackward0", ctx);
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim, Ctx ctx) {
  dim = split_dim(a, dim, "chunk");
  if (chunks <= 0)
    fail_arg("chunk: chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  int64_t size = a->shape[dim];
  int64_t split_size = (size + chunks - 1) / chunks;
  // PyTorch: an empty dim gives `chunks` empty pieces; otherwise pieces of ceil(size / chunks),
  // so there may be fewer than `chunks` of them.
  if (split_size == 0 && size == 0)
    return split_impl(a, Dims(static_cast<size_t>(chunks), 0), dim, "SplitWithSizesBackward0", ctx);
  return split(a, split_size, dim, ctx);
}

// ---- registry ----

// permute: iargs = dims
NB_REGISTER_OP("permute", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = permute(a.tensor(0), a.ints_from(0), c); });
NB_REGISTER_OP("squeeze", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = squeeze(a.tensor(0), c); });
// squeeze_dim: iargs = dim
NB_REGISTER_OP("squeeze_dim", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = squeeze_dim(a.tensor(0), a.integer(0), c); });
// unsqueeze: iargs = dim
NB_REGISTER_OP("unsqueeze", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = unsqueeze(a.tensor(0), a.integer(0), c); });
// flatten: iargs = start_dim, end_dim
NB_REGISTER_OP("flatten", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = flatten(a.tensor(0), a.integer(0), a.integer(1), c); });
// narrow: iargs = dim, start, length
NB_REGISTER_OP("narrow", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = narrow(a.tensor(0), a.integer(0), a.integer(1), a.integer(2), c); });
// slice: iargs = dim, start, end, step
NB_REGISTER_OP("slice", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = slice(a.tensor(0), a.integer(0), a.integer(1), a.integer(2), a.integer(3), c); });
// select: iargs = dim, index
NB_REGISTER_OP("select", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = select(a.tensor(0), a.integer(0), a.integer(1), c); });
// cat: the tensors; iargs = dim
NB_REGISTER_OP("cat", -1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = cat(std::vector<Tensor>(a.in, a.in + a.n_in), a.integer(0), c); });
// stack: the tensors; iargs = dim
NB_REGISTER_OP("stack", -1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = stack(std::vector<Tensor>(a.in, a.in + a.n_in), a.integer(0), c); });
// split: iargs = split_size, dim
NB_REGISTER_OP("split", 1, -1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o = split(a.tensor(0), a.integer(0), a.integer(1), c); });
// split_with_sizes: iargs = dim, then the sizes
NB_REGISTER_OP("split_with_sizes", 1, -1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o = split_with_sizes(a.tensor(0), a.ints_from(1), a.integer(0), c); });
// chunk: iargs = chunks, dim
NB_REGISTER_OP("chunk", 1, -1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o = chunk(a.tensor(0), a.integer(0), a.integer(1), c); });

}  // namespace nabla
