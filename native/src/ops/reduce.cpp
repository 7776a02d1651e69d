// Reductions. Forward, then the backward rule right below.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/iter.h"
#include "kernels/reduce_kernels.h"
#include "ops/ops.h"

namespace nabla {

namespace {

// Which dims a reduction covers, as a mask; an empty list means all of them (as in PyTorch).
SmallVec<bool, 6> reduce_mask(const Tensor& a, const Dims& dims, const char* op) {
  SmallVec<bool, 6> mask(a->shape.size(), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a->ndim(), op);
    if (a->ndim() == 0) continue;
    if (mask[w])  // a repeated dim is an error in PyTorch too
      fail_arg(std::string(op) + ": dim " + std::to_string(w) +
               " appears multiple times in the list of dims");
    mask[w] = true;
  }
  return mask;
}

Dims kept_shape(const Tensor& a, const SmallVec<bool, 6>& mask, bool keep_dim) {
  Dims s;
  for (size_t i = 0; i < a->shape.size(); ++i) {
    if (!mask[i]) s.push_back(a->shape[i]);
    else if (keep_dim) s.push_back(1);
  }
  return s;
}

// Sum without autograd; out has the keep-dim shape and is reshaped by the caller when needed.
// Sums accumulate in double whatever the layout (the reduced dim may be the outer one, as for a
// bias gradient over a batch), then round once to the input's dtype. A sum of everything is split
// between threads (sum_each_strided, kernels/iter.h).
// A sum over the outer and inner dims of a contiguous tensor that keeps one block of middle dims:
// out[k] = sum over o, i of a[o, k, i]. That is every bias gradient (Linear: [batch, features] over
// dim 0; conv: [n, c, h, w] over 0, 2, 3). Each kept element has its own double accumulator, the
// inner runs are summed by sum_contiguous, and threads split the kept elements: no accumulator
// tensor, no strided iteration, no cast pass. Null when the mask has another pattern.
Tensor sum_outer_inner(const Tensor& a, const SmallVec<bool, 6>& mask) {
  const size_t nd = mask.size();
  size_t first = 0, last = nd;  // kept dims are [first, last)
  while (first < nd && mask[first]) ++first;
  while (last > first && mask[last - 1]) --last;
  if (first == last) return Tensor();  // everything reduced: the general path splits it
  for (size_t d = first; d < last; ++d)
    if (mask[d]) return Tensor();
  if (!a->is_contiguous()) return Tensor();
  int64_t O = 1, K = 1, I = 1;
  for (size_t d = 0; d < nd; ++d) (d < first ? O : d < last ? K : I) *= a->shape[d];
  Tensor out = empty(kept_shape(a, mask, true), a->dtype);
  NB_DISPATCH_FLOAT(a->dtype, "sum", [&] {
    const scalar_t* x = a->data<scalar_t>();
    scalar_t* y = out->data<scalar_t>();
    const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(O * I, 1));
    parallel_for(0, K, grain, [&](int64_t k0, int64_t k1) {
      std::vector<double> acc(static_cast<size_t>(k1 - k0), 0.0);
      for (int64_t o = 0; o < O; ++o) {
        const scalar_t* row = x + (o * K + k0) * I;
        if (I == 1)
          for (int64_t k = 0; k < k1 - k0; ++k) acc[k] += static_cast<double>(row[k]);
        else
          for (int64_t k = 0; k < k1 - k0; ++k) acc[k] += sum_contiguous(row + k * I, I);
      }
      for (int64_t k = k0; k < k1; ++k) y[k] = static_cast<scalar_t>(acc[k - k0]);
    });
  });
  return out;
}

Tensor sum_raw(const Tensor& a, const SmallVec<bool, 6>& mask, const char* op) {
  if (!is_floating(a->dtype))
    fail_arg(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(a->dtype));
  if (Tensor fast = sum_outer_inner(a, mask)) return fast;
  Tensor acc = full(kept_shape(a, mask, true), DType::F64, 0.0);
  NB_DISPATCH_FLOAT(a->dtype, op, [&] {
    using T = scalar_t;
    constexpr int64_t E = sizeof(T);
    std::array<Dims, 2> s{broadcast_strides(*acc, a->shape), a->strides};
    sum_each_strided<2>(a->shape, s, {sizeof(double), E}, {acc->data_ptr(), a->data_ptr()},
                        [&](char** p, const int64_t* st, int64_t n) {
                          double* o = reinterpret_cast<double*>(p[0]);
                          if (st[0] == 0) {
                            double sum = 0;
                            if (st[1] == E) {
                              sum = sum_contiguous(reinterpret_cast<const T*>(p[1]), n);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                sum += *reinterpret_cast<const T*>(p[1] + i * st[1]);
                            }
                            *o += sum;
                          } else {
                            for (int64_t i = 0; i < n; ++i)
                              *reinterpret_cast<double*>(p[0] + i * st[0]) +=
                                  *reinterpret_cast<const T*>(p[1] + i * st[1]);
                          }
                        });
  });
  return a->dtype == DType::F64 ? acc : to_dtype(acc, a->dtype, Ctx{});
}

// The sum of every element of a small contiguous float tensor, as a 0-dim tensor: one vector loop,
// without the general path's double accumulator tensor, strided iteration and final cast (most of
// a tiny sum's cost, e.g. a scalar loss). Null for anything else. Same double accumulation.
Tensor sum_all_small(const Tensor& a, const char* op) {
  const int64_t n = a->numel();
  if (!is_floating(a->dtype) || n > kElementwiseGrain || !a->is_contiguous()) return Tensor();
  Tensor out = empty(Dims{}, a->dtype);
  NB_DISPATCH_FLOAT(a->dtype, op, [&] {
    *out->data<scalar_t>() = static_cast<scalar_t>(sum_contiguous(a->data<scalar_t>(), n));
  });
  return out;
}

Tensor finish_shape(Tensor out, const Tensor& a, const SmallVec<bool, 6>& mask, bool keep_dim) {
  if (keep_dim) return out;
  Dims s = kept_shape(a, mask, false);
  out->shape = s;
  out->strides = contiguous_strides(s);
  return out;
}

// Grad of a reduction: back to the keep-dim shape, then broadcast over the reduced dims.
Tensor spread(const Tensor& g, const Dims& in_shape, const SmallVec<bool, 6>& mask, Ctx ctx) {
  Dims keep;
  for (size_t i = 0; i < in_shape.size(); ++i) keep.push_back(mask[i] ? 1 : in_shape[i]);
  return expand(reshape(g, keep, ctx), in_shape, ctx);
}

}  // namespace

// d(sum a)/da_i = 1: the gradient is broadcast back over the reduced dims.
struct SumBackward final : Node {
  const char* nm;
  Dims in_shape;
  SmallVec<bool, 6> mask;
  double scale = 1.0;  // 1/n for mean
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor s = spread(g[0], in_shape, mask, ctx);
    return {scale == 1.0 ? s : mul_scalar(s, scale, ctx)};
  }
};

namespace {
Tensor reduce(const Tensor& a, const Dims& dims, bool keep_dim, bool all, bool is_mean, Ctx ctx) {
  const char* op = is_mean ? "mean" : "sum";
  auto mask = reduce_mask(a, dims, op);
  Tensor out = all && !keep_dim ? sum_all_small(a, op) : Tensor();
  if (!out) out = finish_shape(sum_raw(a, mask, op), a, mask, keep_dim);
  int64_t count = 1;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) count *= a->shape[i];
  double scale = is_mean ? 1.0 / static_cast<double>(count) : 1.0;
  if (is_mean) {
    // mean of nothing is NaN, as in PyTorch
    NB_DISPATCH_FLOAT(out->dtype, op, [&] {
      scalar_t* o = out->data<scalar_t>();
      for (int64_t i = 0, n = out->numel(); i < n; ++i)
        o[i] = count ? static_cast<scalar_t>(o[i] / static_cast<double>(count)) : static_cast<scalar_t>(NAN);
    });
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new SumBackward;
    n->nm = is_mean ? (all ? "MeanBackward0" : "MeanBackward1") : (all ? "SumBackward0" : "SumBackward1");
    n->in_shape = a->shape;
    n->mask = mask;
    n->scale = scale;
    record(ctx, out, n, {&a});
  }
  return out;
}
}  // namespace

Tensor sum(const Tensor& a, Ctx ctx) { return reduce(a, {}, false, true, false, ctx); }
Tensor sum_dims(const Tensor& a, const Dims& dims, bool keep_dim, Ctx ctx) {
  return reduce(a, dims, keep_dim, false, false, ctx);
}
Tensor mean(const Tensor& a, Ctx ctx) { return reduce(a, {}, false, true, true, ctx); }
Tensor mean_dims(const Tensor& a, const Dims& dims, bool keep_dim, Ctx ctx) {
  return reduce(a, dims, keep_dim, false, true, ctx);
}

Tensor sum_to(const Tensor& g, const Dims& shape, Ctx ctx) {
  if (g->shape == shape) return g;
  size_t lead = g->shape.size() - shape.size();
  Dims dims;
  for (size_t i = 0; i < g->shape.size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g->shape[i] != 1)) dims.push_back(static_cast<int64_t>(i));
  Tensor r = dims.empty() ? g : sum_dims(g, dims, true, ctx);
  return r->shape == shape ? r : reshape(r, shape, ctx);
}

}  // namespace nabla
