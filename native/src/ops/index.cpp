// Indexing: index_select, gather, scatter_add, masked_fill. Forward, then the backward rule right
// below. Index tensors are int64 and masks bool, read as int64_t and bool.
//
// gather and scatter_add are each other's gradients, so they form a closed pair under
// create_graph; index_select's gradient is a scatter_add of the expanded index.
#include "ops/index.h"

#include <array>

#include "kernels/copy.h"
#include "ops/registry.h"
#include "ops/shape_ext.h"

namespace nabla {

namespace {

// Calls f(off) for every element of `shape` in row-major order, where off[k] is the element's
// offset (in elements) under strides[k]. A plain odometer: the index ops read a data-dependent
// position on every element, which defeats the merged inner loops of for_each_strided anyway.
template <size_t N, class F>
void for_each_offset(const Dims& shape, const std::array<Dims, N>& strides, F&& f) {
  int64_t n = dims_numel(shape);
  if (n == 0) return;
  size_t nd = shape.size();
  Dims idx(nd, 0);
  std::array<int64_t, N> off{};
  for (int64_t i = 0; i < n; ++i) {
    f(off);
    for (size_t d = nd; d-- > 0;) {
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d];
      if (++idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

// A 0-d tensor seen as [1], as PyTorch's index ops treat scalars.
Dims eff_shape(const Tensor& t) { return t->ndim() ? t->shape : Dims{1}; }
Dims eff_strides(const Tensor& t) { return t->ndim() ? t->strides : Dims{1}; }
int64_t eff_ndim(const Tensor& t) { return t->ndim() ? t->ndim() : 1; }

void check_index_dtype(const Tensor& index, const char* op) {
  if (index->dtype != DType::I64)
    fail_arg(std::string(op) + ": Expected dtype int64 for index, got " + dtype_name(index->dtype) +
             " (index shape " + shape_of(index) + "); convert it with .to(DType.INT64)");
}

inline void check_bound(int64_t v, int64_t size, int64_t dim, const char* op) {
  if (v < 0 || v >= size)
    fail_arg(std::string(op) + ": index " + std::to_string(v) + " is out of bounds for dimension " +
             std::to_string(dim) + " with size " + std::to_string(size));
}

}  // namespace

// ---- gather: out[i][j][k] = a[i][index[i][j][k]][k] (dim = 1) ----

// Each output element came from one input element: the gradient is scattered back and added
// (an index may repeat). Saves index.
struct GatherBackward0 final : Node {
  int64_t dim;
  Dims in_shape;
  SavedTensor index;
  const char* name() const override { return "GatherBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor idx = index.unpack(*this);
    return {scatter_add(full(in_shape, g[0]->dtype, 0.0), dim, idx, g[0], ctx)};
  }
  void release_saved() override { index.reset(); }
};

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index, Ctx ctx) {
  check_index_dtype(index, "gather");
  dim = wrap_dim(dim, a->ndim(), "gather");
  if (eff_ndim(index) != eff_ndim(a))
    fail_shape("gather: Index tensor must have the same number of dimensions as input tensor (input shape " +
               shape_of(a) + ", index shape " + shape_of(index) + ")");
  Dims ash = eff_shape(a), ast = eff_strides(a), ish = eff_shape(index), ist = eff_strides(index);
  for (size_t d = 0; d < ish.size(); ++d)
    if (static_cast<int64_t>(d) != dim && ish[d] > ash[d])
      fail_shape("gather: Size does not match at dimension " + std::to_string(d) + " expected index " +
                 shape_of(index) + " to be smaller than self " + shape_of(a) + " apart from dimension " +
                 std::to_string(dim));
  Tensor out = empty(index->shape, a->dtype);
  Dims ost = contiguous_strides(ish);
  Dims amask = ast;
  amask[dim] = 0;  // a's position along dim comes from the index
  int64_t size = ash[dim], astride = ast[dim];
  const int64_t* ip = index->data<int64_t>();
  NB_DISPATCH_ALL(a->dtype, "gather", [&] {
    const scalar_t* ap = a->data<scalar_t>();
    scalar_t* op = out->data<scalar_t>();
    for_each_offset<3>(ish, {ost, ist, amask}, [&](const std::array<int64_t, 3>& off) {
      int64_t v = ip[off[1]];
      check_bound(v, size, dim, "gather");
      op[off[0]] = ap[off[2] + v * astride];
    });
  });
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new GatherBackward0;
    node->dim = dim;
    node->in_shape = a->shape;
    node->save(node->index, index);
    node->has_saved = true;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- scatter_add: out = a; out[i][index[i][j][k]][k] += src[i][j][k] (dim = 1) ----

// d out / d a = 1. d out / d src picks, for each index position, the gradient where that src
// element was added: gather(grad, dim, index). src may be larger than index (only its leading
// block is used); the rest of its gradient is zero. Saves index.
struct ScatterAddBackward0 final : Node {
  int64_t dim;
  Dims src_shape;
  SavedTensor index;
  const char* name() const override { return "ScatterAddBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor gs;
    if (next[1].fn) {
      gs = gather(g[0], dim, index.unpack(*this), ctx);
      // A 0-d index against a [1] src (or the reverse): same element, other rank.
      if (gs->ndim() != static_cast<int64_t>(src_shape.size()))
        gs = reshape(gs, src_shape.empty() ? Dims{} : Dims{1}, ctx);
      for (size_t d = 0; d < src_shape.size(); ++d) {
        if (gs->shape[d] == src_shape[d]) continue;
        Dims padded = gs->shape;
        padded[d] = src_shape[d];
        gs = slice_backward(gs, padded, static_cast<int64_t>(d), 0, gs->shape[d], 1, ctx);
      }
    }
    return {next[0].fn ? g[0] : Tensor{}, gs};
  }
  void release_saved() override { index.reset(); }
};

Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, Ctx ctx) {
  check_index_dtype(index, "scatter_add");
  if (a->dtype != src->dtype)
    fail_arg(std::string("scatter_add: Expected self.dtype to be equal to src.dtype (got ") +
             dtype_name(a->dtype) + " and " + dtype_name(src->dtype) + ")");
  dim = wrap_dim(dim, a->ndim(), "scatter_add");
  if (eff_ndim(index) != eff_ndim(a) || eff_ndim(src) != eff_ndim(a))
    fail_shape("scatter_add: Index tensor must have the same number of dimensions as self tensor and src "
               "(self shape " + shape_of(a) + ", index shape " + shape_of(index) + ", src shape " +
               shape_of(src) + ")");
  Dims ash = eff_shape(a), ish = eff_shape(index), ist = eff_strides(index);
  Dims ssh = eff_shape(src), sst = eff_strides(src);
  for (size_t d = 0; d < ish.size(); ++d)
    if (ish[d] > ssh[d] || (static_cast<int64_t>(d) != dim && ish[d] > ash[d]))
      fail_shape("scatter_add: Expected index " + shape_of(index) + " to be smaller than self " +
                 shape_of(a) + " apart from dimension " + std::to_string(dim) +
                 " and to be smaller size than src " + shape_of(src));
  Tensor out = empty(a->shape, a->dtype);
  copy_into(*out, *a);
  Dims omask = contiguous_strides(ash);
  int64_t size = ash[dim], ostride = omask[dim];
  omask[dim] = 0;  // out's position along dim comes from the index
  const int64_t* ip = index->data<int64_t>();
  NB_DISPATCH_ALL(a->dtype, "scatter_add", [&] {
    const scalar_t* sp = src->data<scalar_t>();
    scalar_t* op = out->data<scalar_t>();
    for_each_offset<3>(ish, {ist, sst, omask}, [&](const std::array<int64_t, 3>& off) {
      int64_t v = ip[off[0]];
      check_bound(v, size, dim, "scatter_add");
      scalar_t& o = op[off[2] + v * ostride];
      o = static_cast<scalar_t>(o + sp[off[1]]);
    });
  });
  if (any_requires_grad(ctx, {&a, &src})) {
    auto* node = new ScatterAddBackward0;
    node->dim = dim;
    node->src_shape = src->shape;
    node->save(node->index, index);
    node->has_saved = true;
    record(ctx, out, node, {&a, &src});
  }
  return out;
}

// ---- index_select: a[..., index, ...] for a 1-d index along dim ----

// Each output slice along dim is a copy of input slice index[k]: the gradient is scatter-added
// back, with the index expanded to the gradient's shape. Saves index.
struct IndexSelectBackward0 final : Node {
  int64_t dim;
  Dims in_shape;
  SavedTensor index;
  const char* name() const override { return "IndexSelectBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor idx = index.unpack(*this);
    Tensor spread;
    if (in_shape.empty()) {
      spread = reshape(idx, Dims{}, Ctx{});
    } else {
      Dims s(in_shape.size(), 1);
      s[dim] = idx->numel();
      spread = expand(reshape(idx, s, Ctx{}), g[0]->shape, Ctx{});
    }
    return {scatter_add(full(in_shape, g[0]->dtype, 0.0), dim, spread, g[0], ctx)};
  }
  void release_saved() override { index.reset(); }
};

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index, Ctx ctx) {
  check_index_dtype(index, "index_select");
  if (index->ndim() > 1)
    fail_shape("index_select: Index is supposed to be a vector, got index of shape " + shape_of(index));
  dim = wrap_dim(dim, a->ndim(), "index_select");
  int64_t k = index->numel();
  if (a->ndim() == 0 && k != 1)
    fail_arg("index_select: Index to scalar can have only 1 value, got " + std::to_string(k) + " value(s)");
  Dims ash = eff_shape(a), ast = eff_strides(a);
  int64_t size = ash[dim], istride = index->ndim() ? index->strides[0] : 0;
  const int64_t* ip = index->data<int64_t>();
  for (int64_t i = 0; i < k; ++i) check_bound(ip[i * istride], size, dim, "index_select");
  Dims osh = ash;
  osh[dim] = k;
  Tensor out = empty(a->ndim() ? osh : Dims{}, a->dtype);
  Dims ost = contiguous_strides(osh), amask = ast, ist(osh.size(), 0);
  amask[dim] = 0;
  ist[dim] = istride;  // the index walks along dim only
  int64_t astride = ast[dim];
  NB_DISPATCH_ALL(a->dtype, "index_select", [&] {
    const scalar_t* ap = a->data<scalar_t>();
    scalar_t* op = out->data<scalar_t>();
    for_each_offset<3>(osh, {ost, amask, ist}, [&](const std::array<int64_t, 3>& off) {
      op[off[0]] = ap[off[1] + ip[off[2]] * astride];
    });
  });
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new IndexSelectBackward0;
    node->dim = dim;
    node->in_shape = a->shape;
    node->save(node->index, index);
    node->has_saved = true;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- masked_fill: where(mask, value, a), out of place ----

// The filled positions no longer depend on a: the gradient is zeroed there, then summed back over
// the dims that broadcasting against the mask added. Saves mask.
struct MaskedFillBackward0 final : Node {
  Dims in_shape;
  SavedTensor mask;
  const char* name() const override { return "MaskedFillBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {sum_to(masked_fill(g[0], mask.unpack(*this), 0.0, ctx), in_shape, ctx)};
  }
  void release_saved() override { mask.reset(); }
};

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value, Ctx ctx) {
  if (mask->dtype != DType::Bool)
    fail_arg(std::string("masked_fill: masked_fill only supports boolean masks, but got mask with dtype ") +
             dtype_name(mask->dtype) + " (mask shape " + shape_of(mask) + "); convert it with .to(DType.BOOL)");
  Dims sh = broadcast_shapes(a->shape, mask->shape, "masked_fill");
  Tensor out = empty(sh, a->dtype);
  NB_DISPATCH_ALL(a->dtype, "masked_fill", [&] {
    using T = scalar_t;
    const T v = convert_value<T>(value);
    std::array<Dims, 3> s{out->strides, broadcast_strides(*a, sh), broadcast_strides(*mask, sh)};
    for_each_strided<3>(sh, s, {sizeof(T), sizeof(T), sizeof(bool)},
                        {out->data_ptr(), a->data_ptr(), mask->data_ptr()},
                        [&](char** p, const int64_t* st, int64_t n) {
                          for (int64_t i = 0; i < n; ++i) {
                            bool m = *reinterpret_cast<const bool*>(p[2] + i * st[2]);
                            *reinterpret_cast<T*>(p[0] + i * st[0]) =
                                m ? v : *reinterpret_cast<const T*>(p[1] + i * st[1]);
                          }
                        });
  });
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new MaskedFillBackward0;
    node->in_shape = a->shape;
    node->save(node->mask, mask);
    node->has_saved = true;
    record(ctx, out, node, {&a});
  }
  return out;
}

// ---- registry ----

// index_select: a, index (int64, 1-d); iargs = dim
NB_REGISTER_OP("index_select", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = index_select(a.tensor(0), a.integer(0), a.tensor(1), c); });
// gather: a, index (int64); iargs = dim
NB_REGISTER_OP("gather", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = gather(a.tensor(0), a.integer(0), a.tensor(1), c); });
// scatter_add: a, index (int64), src; iargs = dim
NB_REGISTER_OP("scatter_add", 3, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = scatter_add(a.tensor(0), a.integer(0), a.tensor(1), a.tensor(2), c); });
// masked_fill: a, mask (bool, broadcastable); fargs = value
NB_REGISTER_OP("masked_fill", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = masked_fill(a.tensor(0), a.tensor(1), a.num(0), c); });

}  // namespace nabla
