// Reductions beyond sum and mean: prod, max/min (values and indices), amax/amin, argmax/argmin,
// var/std, norm, logsumexp; and softmax/log_softmax, which reduce along a dim on the way.
// Forward, then the backward rule right below.
//
// Note [reduction groups]: every op here walks the input as groups: one group per output element
// (the kept dims, row-major), each group the elements along the reduced dims (row-major too).
// Offsets are element offsets through the input's strides, so views of any layout work without a
// copy, and the position of an element inside its group is its index (argmax, max over a dim).
//
// Note [constant factors in backward]: the backward rules are products of the incoming gradient
// with factors computed from the saved tensors (masks of the chosen elements, exp(x - lse), ...).
// Without createGraph the factors are computed directly by loops. Under createGraph (ctx.grad) a
// factor that depends smoothly on x (prod of the others, 1/std, 1/norm, exp(x - lse), softmax) is
// recomputed from the saved input with differentiable ops, so that higher-order gradients see it;
// this is also why no rule needs the op's output with its history (saving it would make the
// cycle out -> grad_fn -> out; see Note [saving the output] in unary.cpp). Selection masks (max,
// min, norm 1 and inf) are piecewise constant, so keeping them constant is exact.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/elementwise.h"
#include "ops/registry.h"
#include "ops/shape_ext.h"

namespace nabla {

namespace {

using Mask = SmallVec<bool, 6>;

void check_float(const Tensor& a, const char* op) {
  if (!is_floating(a->dtype))
    fail_arg(std::string(op) + ": expected a float32 or float64 tensor, got " + dtype_name(a->dtype) +
             " " + shape_of(a));
}

// Which dims are reduced; `all` (or an empty list, as in PyTorch) means every dim.
Mask dims_mask(const Tensor& a, const Dims& dims, bool all, const char* op) {
  Mask m(a->shape.size(), all || dims.empty());
  if (all) return m;
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a->ndim(), op);
    if (a->ndim() == 0) continue;
    if (m[w])
      fail_arg(std::string(op) + ": dim " + std::to_string(w) +
               " appears multiple times in the list of dims");
    m[w] = true;
  }
  return m;
}

Dims kept(const Dims& in, const Mask& m, bool keep) {
  Dims s;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!m[i]) s.push_back(in[i]);
    else if (keep) s.push_back(1);
  }
  return s;
}

Dims mask_dims(const Mask& m) {
  Dims d;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i]) d.push_back(static_cast<int64_t>(i));
  return d;
}

// Element offsets of a row-major walk over (shape, strides).
std::vector<int64_t> offsets(const Dims& sh, const Dims& st) {
  std::vector<int64_t> v{0};
  for (size_t d = 0; d < sh.size(); ++d) {
    std::vector<int64_t> w;
    w.reserve(v.size() * static_cast<size_t>(sh[d]));
    for (int64_t x : v)
      for (int64_t i = 0; i < sh[d]; ++i) w.push_back(x + i * st[d]);
    v.swap(w);
  }
  return v;
}

// See Note [reduction groups]. The reduced dims are merged where memory allows, so a group that is
// one strided run (every reduction over a contiguous or transposed tensor's trailing or only dims)
// keeps a stride instead of a list of offsets.
struct Groups {
  std::vector<int64_t> outer;  // offset of each group's first element, in output order
  size_t n_inner = 0;          // elements per group
  int64_t stride = 0;          // the step inside a group, when it is one strided run
  std::vector<int64_t> inner;  // else the offsets inside a group
  int64_t in(size_t i) const { return inner.empty() ? static_cast<int64_t>(i) * stride : inner[i]; }
  int64_t count() const { return static_cast<int64_t>(n_inner); }
};

Groups groups_of(const Dims& shape, const Dims& strides, const Mask& m) {
  Dims os, ost, is, ist;
  for (size_t d = 0; d < shape.size(); ++d) {
    (m[d] ? is : os).push_back(shape[d]);
    (m[d] ? ist : ost).push_back(strides[d]);
  }
  Groups g;
  g.outer = offsets(os, ost);
  g.n_inner = static_cast<size_t>(dims_numel(is));
  // Merge the reduced dims, dropping size-1 ones, while they walk memory as one run.
  Dims ms, mst;
  for (size_t d = 0; d < is.size(); ++d) {
    if (is[d] == 1) continue;
    if (!ms.empty() && mst.back() == ist[d] * is[d]) {
      ms.back() *= is[d];
      mst.back() = ist[d];
    } else {
      ms.push_back(is[d]);
      mst.push_back(ist[d]);
    }
  }
  if (ms.size() <= 1) g.stride = ms.empty() ? 0 : mst[0];
  else g.inner = offsets(is, ist);
  return g;
}

Groups groups_of(const Tensor& a, const Mask& m) { return groups_of(a->shape, a->strides, m); }

// A fresh contiguous tensor of the keep-dim shape, relabelled without the reduced dims when
// !keep (it stays contiguous either way, in group order).
Tensor reduced_out(const Tensor& a, const Mask& m, bool keep, DType dt) {
  Tensor out = empty(kept(a->shape, m, true), dt);
  if (!keep) {
    out->shape = kept(a->shape, m, false);
    out->strides = contiguous_strides(out->shape);
  }
  return out;
}

// Grad of a reduction: back to the keep-dim shape, then broadcast over the reduced dims.
Tensor spread(const Tensor& g, const Dims& in_shape, const Mask& m, Ctx ctx) {
  return expand(reshape(g, kept(in_shape, m, true), ctx), in_shape, ctx);
}

// A contiguous tensor of `shape` whose element (group o, position i) is f(o, i).
template <class F>
Tensor per_element(const Dims& shape, DType dt, const Mask& m, F f) {
  Tensor t = empty(shape, dt);
  Groups g = groups_of(shape, contiguous_strides(shape), m);
  NB_DISPATCH_FLOAT(dt, "backward", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (size_t o = 0; o < g.outer.size(); ++o)
      for (size_t i = 0; i < g.n_inner; ++i)
        p[g.outer[o] + g.in(i)] = static_cast<scalar_t>(f(o, i));
  });
  return t;
}

// A view of a saved tensor's element (group o, position i), read as double.
struct Reader {
  Tensor t;
  Groups g;
  Reader(const Tensor& x, const Mask& m) : t(x), g(groups_of(x, m)) {}
  double at(size_t o, size_t i) const {
    int64_t off = g.outer[o] + g.in(i);
    return t->dtype == DType::F32 ? static_cast<double>(t->data<float>()[off]) : t->data<double>()[off];
  }
  // The reduced value of group o in a contiguous reduced tensor (the saved output).
  static double flat(const Tensor& r, size_t o) {
    return r->dtype == DType::F32 ? static_cast<double>(r->data<float>()[o]) : r->data<double>()[o];
  }
};

// NaN wins, then the larger (smaller); ties keep the first, as PyTorch's CPU kernels do.
template <bool IsMax>
bool beats(double x, double cur) {
  if (std::isnan(cur)) return false;
  if (std::isnan(x)) return true;
  return IsMax ? x > cur : x < cur;
}

bool same(double x, double v) { return x == v || (std::isnan(x) && std::isnan(v)); }

// The extreme value and its first position in group o.
template <bool IsMax>
std::pair<double, int64_t> extreme(const Reader& r, size_t o) {
  double best = r.at(o, 0);
  int64_t at = 0;
  for (size_t i = 1; i < r.g.n_inner; ++i) {
    double x = r.at(o, i);
    if (beats<IsMax>(x, best)) {
      best = x;
      at = static_cast<int64_t>(i);
    }
  }
  return {best, at};
}

void store(const Tensor& out, size_t o, double v) {
  if (out->dtype == DType::F32) out->data<float>()[o] = static_cast<float>(v);
  else out->data<double>()[o] = v;
}

void require_nonempty(const Tensor& a, const Groups& g, const char* op, bool all) {
  if (all && a->numel() == 0)
    fail_arg(std::string(op) + ": Expected reduction dim to be specified for input.numel() == 0 (input " +
             shape_of(a) + "). Specify the reduction dim with the 'dim' argument.");
  if (g.n_inner == 0 && !g.outer.empty())
    fail_arg(std::string("cannot perform reduction function ") + op + " on tensor " + shape_of(a) +
             " with no elements because the operation does not have an identity");
}

// Defined below; the backward rules call them under create_graph to recompute their factors.
Tensor prod_impl(const Tensor& a, const Dims& dims, bool keep, bool all, Ctx ctx);
Tensor var_std_impl(const Tensor& a, const Dims& dims, int64_t correction, bool keep, bool is_std, Ctx ctx);
Tensor norm_impl(const Tensor& a, double p, const Dims& dims, bool keep, bool all, Ctx ctx);
Tensor logsumexp_impl(const Tensor& a, const Dims& dims, bool keep, Ctx ctx);
Tensor softmax_impl(const Tensor& a, int64_t dim, bool log, Ctx ctx);

// 1 / (c s) where s != 0, and 0 where s = 0 (PyTorch masks the division there), differentiable in
// s: the division only sees the nonzero entries, so no inf * 0 reaches a second derivative.
Tensor masked_inverse(const Tensor& s, double c, Ctx ctx) {
  Tensor zero = compare_scalar(s, 0.0, CmpOp::EQ);
  Tensor safe = where(zero, full(Dims{}, s->dtype, 1.0), s, ctx);
  return where(zero, full(Dims{}, s->dtype, 0.0), rdiv_scalar(safe, 1.0 / c, ctx), ctx);
}

// For every element of x, the product of the other elements of its group, with differentiable
// ops (for prod's backward under create_graph). Without zeros this is prod / x_i. With a zero in
// x each group is laid out as a row of n elements and copied n times with its diagonal set to 1:
// row i then multiplies to the product of the others, exactly, at O(n^2) cost.
Tensor prod_others(const Tensor& x, const Mask& m, Ctx ctx) {
  Reader r(x, m);
  bool zero = false;
  for (size_t o = 0; o < r.g.outer.size() && !zero; ++o)
    for (size_t i = 0; i < r.g.n_inner && !zero; ++i) zero = r.at(o, i) == 0;
  if (!zero) return div(prod_impl(x, mask_dims(m), true, false, ctx), x, ctx);
  Dims perm, pshape;
  int64_t outer = 1, n = 1;
  for (int pass = 0; pass < 2; ++pass)
    for (size_t d = 0; d < m.size(); ++d)
      if (m[d] == (pass == 1)) {
        perm.push_back(static_cast<int64_t>(d));
        pshape.push_back(x->shape[d]);
        (pass == 1 ? n : outer) *= x->shape[d];
      }
  Tensor rows = reshape(x->ndim() == 0 ? x : permute(x, perm, ctx), Dims{outer, 1, n}, ctx);
  rows = expand(rows, Dims{outer, n, n}, ctx);  // rows[o, i, j] = x[o, j]
  Tensor eye = empty(Dims{n, n}, DType::Bool);
  bool* e = eye->data<bool>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) e[i * n + j] = i == j;
  Tensor others = prod_impl(where(eye, full(Dims{}, x->dtype, 1.0), rows, ctx), Dims{2}, false, false, ctx);
  others = reshape(others, pshape, ctx);
  if (x->ndim() == 0) return others;
  Dims inv(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) inv[static_cast<size_t>(perm[k])] = static_cast<int64_t>(k);
  return permute(others, inv, ctx);
}

}  // namespace

// ---- prod ----

// d(prod x)/dx_i = product of the others. Computed directly rather than as prod/x_i, so that one
// zero (its own gradient is the product of the rest) and several zeros (all gradients 0) come out
// right, as PyTorch's prod_backward does. Saves x.
struct ProdBackward final : Node {
  const char* nm;
  Mask mask;
  SavedTensor x;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    if (ctx.grad) return {mul(spread(g[0], xv->shape, mask, ctx), prod_others(xv, mask, ctx), ctx)};
    Reader r(xv, mask);
    std::vector<double> nonzero_prod(r.g.outer.size(), 1.0);
    std::vector<int64_t> zeros(r.g.outer.size(), 0);
    for (size_t o = 0; o < r.g.outer.size(); ++o)
      for (size_t i = 0; i < r.g.n_inner; ++i) {
        double v = r.at(o, i);
        if (v == 0) ++zeros[o];
        else nonzero_prod[o] *= v;
      }
    Tensor others = per_element(xv->shape, xv->dtype, mask, [&](size_t o, size_t i) {
      double v = r.at(o, i);
      if (zeros[o] == 0) return nonzero_prod[o] / v;
      return zeros[o] == 1 && v == 0 ? nonzero_prod[o] : 0.0;
    });
    return {mul(spread(g[0], xv->shape, mask, ctx), others, ctx)};
  }
  void release_saved() override { x.reset(); }
};

namespace {
Tensor prod_impl(const Tensor& a, const Dims& dims, bool keep, bool all, Ctx ctx) {
  check_float(a, "prod");
  Mask m = dims_mask(a, dims, all, "prod");
  Reader r(a, m);
  Tensor out = reduced_out(a, m, keep, a->dtype);
  for (size_t o = 0; o < r.g.outer.size(); ++o) {
    double p = 1.0;  // the empty product is 1, as in PyTorch
    for (size_t i = 0; i < r.g.n_inner; ++i) p *= r.at(o, i);
    store(out, o, p);
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new ProdBackward;
    n->nm = all ? "ProdBackward0" : "ProdBackward1";
    n->mask = m;
    record(ctx, out, n, {&a});
    n->save(n->x, a);
    n->has_saved = true;
  }
  return out;
}
}  // namespace

// ---- max, min, amax, amin: the chosen element gets the gradient ----

// Over everything (max(), min()) and amax/amin: the gradient is split evenly among the elements
// equal to the result, as PyTorch's evenly_distribute_backward / amax backward do. Saves x.
struct EvenSelectBackward final : Node {
  const char* nm;
  bool is_max;
  Mask mask;
  SavedTensor x;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    Reader r(xv, mask);
    std::vector<double> best(r.g.outer.size());
    std::vector<double> ties(r.g.outer.size(), 0.0);
    for (size_t o = 0; o < r.g.outer.size(); ++o) {
      best[o] = is_max ? extreme<true>(r, o).first : extreme<false>(r, o).first;
      for (size_t i = 0; i < r.g.n_inner; ++i) ties[o] += same(r.at(o, i), best[o]);
    }
    Tensor share = per_element(xv->shape, xv->dtype, mask, [&](size_t o, size_t i) {
      return same(r.at(o, i), best[o]) ? 1.0 / ties[o] : 0.0;
    });
    return {mul(spread(g[0], xv->shape, mask, ctx), share, ctx)};
  }
  void release_saved() override { x.reset(); }
};

// Over one dim with indices (max(dim), min(dim)): the gradient goes to the chosen index, as
// PyTorch's value_selecting_reduction_backward. Saves the indices (an output without grad_fn, so
// no cycle).
struct IndexSelectBackward final : Node {
  const char* nm;
  Mask mask;
  Dims in_shape;
  SavedTensor indices;
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor idx = indices.unpack(*this);
    const int64_t* ip = idx->data<int64_t>();
    Tensor onehot = per_element(in_shape, g[0]->dtype, mask,
                                [&](size_t o, size_t i) { return ip[o] == static_cast<int64_t>(i) ? 1.0 : 0.0; });
    return {mul(spread(g[0], in_shape, mask, ctx), onehot, ctx)};
  }
  void release_saved() override { indices.reset(); }
};

namespace {
// Values (and, when `indices` is given, positions) of the max or min of each group.
template <bool IsMax>
Tensor select_impl(const Tensor& a, const Dims& dims, bool keep, bool all, const char* op,
                   const char* node_name, Tensor* indices, Ctx ctx) {
  check_float(a, op);
  Mask m = dims_mask(a, dims, all, op);
  Reader r(a, m);
  require_nonempty(a, r.g, op, all);
  Tensor out = reduced_out(a, m, keep, a->dtype);
  Tensor idx = indices ? reduced_out(a, m, keep, DType::I64) : Tensor();
  for (size_t o = 0; o < r.g.outer.size(); ++o) {
    auto [v, at] = extreme<IsMax>(r, o);
    store(out, o, v);
    if (idx) idx->data<int64_t>()[o] = at;
  }
  if (any_requires_grad(ctx, {&a})) {
    if (idx) {
      auto* n = new IndexSelectBackward;
      n->nm = node_name;
      n->mask = m;
      n->in_shape = a->shape;
      record(ctx, out, n, {&a});
      n->save(n->indices, idx);
      n->has_saved = true;
    } else {
      auto* n = new EvenSelectBackward;
      n->nm = node_name;
      n->is_max = IsMax;
      n->mask = m;
      record(ctx, out, n, {&a});
      n->save(n->x, a);
      n->has_saved = true;
    }
  }
  if (indices) *indices = idx;
  return out;
}

// argmax/argmin: positions only (int64, not differentiable). Over everything the position is the
// row-major flat index, as in PyTorch.
template <bool IsMax>
Tensor arg_impl(const Tensor& a, const Dims& dims, bool keep, bool all, const char* op) {
  check_float(a, op);
  Mask m = dims_mask(a, dims, all, op);
  Reader r(a, m);
  require_nonempty(a, r.g, op, all);
  Tensor idx = reduced_out(a, m, keep, DType::I64);
  for (size_t o = 0; o < r.g.outer.size(); ++o) idx->data<int64_t>()[o] = extreme<IsMax>(r, o).second;
  return idx;
}
}  // namespace

// ---- var, std ----

// d var/dx_i = 2 (x_i - mean) / (N - correction); written with differentiable ops. Saves x.
// std: d std/dx = d var/dx / (2 std), and 0 where std = 0 (PyTorch masks it). Saves std detached,
// and recomputes it from x under create_graph.
struct VarStdBackward final : Node {
  const char* nm;
  Mask mask;
  double denom;
  int64_t correction = 0;
  bool keep = false;
  SavedTensor x, std_out;  // std_out only for std
  const char* name() const override { return nm; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    Tensor gv = g[0];
    if (std_out.defined() && ctx.grad) {
      gv = mul(gv, masked_inverse(var_std_impl(xv, mask_dims(mask), correction, keep, true, ctx), 2.0, ctx), ctx);
    } else if (std_out.defined()) {
      Tensor s = std_out.unpack(*this);
      Tensor inv = empty(s->shape, s->dtype);
      for (int64_t o = 0; o < s->numel(); ++o) {
        double v = Reader::flat(s, static_cast<size_t>(o));
        store(inv, static_cast<size_t>(o), v == 0 ? 0.0 : 1.0 / (2.0 * v));
      }
      gv = mul(gv, inv, ctx);
    }
    Tensor centered = sub(xv, mean_dims(xv, mask_dims(mask), true, ctx), ctx);
    return {mul(spread(mul_scalar(gv, 2.0 / denom, ctx), xv->shape, mask, ctx), centered, ctx)};
  }
  void release_saved() override {
    x.reset();
    std_out.reset();
  }
};

namespace {
Tensor var_std_impl(const Tensor& a, const Dims& dims, int64_t correction, bool keep, bool is_std, Ctx ctx) {
  const char* op = is_std ? "std" : "var";
  check_float(a, op);
  if (correction < 0) fail_arg(std::string(op) + ": correction must be non-negative, got " + std::to_string(correction));
  Mask m = dims_mask(a, dims, false, op);
  Reader r(a, m);
  Tensor out = reduced_out(a, m, keep, a->dtype);
  int64_t n = r.g.count();
  // N - correction <= 0 gives inf or NaN, as in PyTorch (which also warns).
  double denom = static_cast<double>(std::max<int64_t>(0, n - correction));
  for (size_t o = 0; o < r.g.outer.size(); ++o) {
    double mean = 0;  // two passes in double: no catastrophic cancellation
    for (size_t i = 0; i < r.g.n_inner; ++i) mean += r.at(o, i);
    mean /= static_cast<double>(n);
    double ss = 0;
    for (size_t i = 0; i < r.g.n_inner; ++i) {
      double d = r.at(o, i) - mean;
      ss += d * d;
    }
    double v = ss / denom;
    store(out, o, is_std ? std::sqrt(v) : v);
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new VarStdBackward;
    node->nm = is_std ? "StdBackward0" : "VarBackward0";
    node->mask = m;
    node->denom = denom;
    node->correction = correction;
    node->keep = keep;
    record(ctx, out, node, {&a});
    node->save(node->x, a);
    if (is_std) node->save(node->std_out, detach(out));  // detached: see the rules on saving outputs
    node->has_saved = true;
  }
  return out;
}
}  // namespace

// ---- norm (p = 1, 2, inf) ----

// p = 1: d/dx = sign(x) (0 at 0). p = 2: x / norm, and 0 where norm = 0 (PyTorch masks it).
// p = inf: sign(x) split evenly among the elements with |x| = norm. Saves x and the norm detached;
// under create_graph p = 2 recomputes the norm from x.
struct NormBackward final : Node {
  double p;
  Mask mask;
  SavedTensor x, norm_out;
  const char* name() const override { return "NormBackward1"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    Tensor gs = spread(g[0], xv->shape, mask, ctx);
    if (p == 2 && ctx.grad) {
      Tensor inv = masked_inverse(norm_impl(xv, 2, mask_dims(mask), true, false, ctx), 1.0, ctx);
      return {mul(mul(gs, inv, ctx), xv, ctx)};
    }
    Tensor nv = norm_out.unpack(*this);
    Reader r(xv, mask);
    auto sign = [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; };
    if (p == 2) {
      Tensor inv = per_element(xv->shape, xv->dtype, mask, [&](size_t o, size_t) {
        double nrm = Reader::flat(nv, o);
        return nrm == 0 ? 0.0 : 1.0 / nrm;
      });
      return {mul(mul(gs, inv, ctx), xv, ctx)};  // differentiable in x through the last factor
    }
    if (p == 1) {
      Tensor s = per_element(xv->shape, xv->dtype, mask, [&](size_t o, size_t i) { return sign(r.at(o, i)); });
      return {mul(gs, s, ctx)};
    }
    std::vector<double> ties(r.g.outer.size(), 0.0);
    for (size_t o = 0; o < r.g.outer.size(); ++o)
      for (size_t i = 0; i < r.g.n_inner; ++i) ties[o] += std::fabs(r.at(o, i)) == Reader::flat(nv, o);
    Tensor s = per_element(xv->shape, xv->dtype, mask, [&](size_t o, size_t i) {
      double v = r.at(o, i);
      return std::fabs(v) == Reader::flat(nv, o) ? sign(v) / ties[o] : 0.0;
    });
    return {mul(gs, s, ctx)};
  }
  void release_saved() override {
    x.reset();
    norm_out.reset();
  }
};

namespace {
Tensor norm_impl(const Tensor& a, double p, const Dims& dims, bool keep, bool all, Ctx ctx) {
  check_float(a, "norm");
  bool inf = std::isinf(p) && p > 0;
  if (!(p == 1 || p == 2 || inf))
    fail_arg("norm: p must be 1, 2 or inf, got " + std::to_string(p));
  Mask m = dims_mask(a, dims, all, "norm");
  Reader r(a, m);
  Tensor out = reduced_out(a, m, keep, a->dtype);
  for (size_t o = 0; o < r.g.outer.size(); ++o) {
    double acc = 0;
    for (size_t i = 0; i < r.g.n_inner; ++i) {
      double v = std::fabs(r.at(o, i));
      if (inf) acc = (std::isnan(v) || std::isnan(acc)) ? NAN : std::max(acc, v);
      else acc += p == 2 ? v * v : v;
    }
    store(out, o, p == 2 ? std::sqrt(acc) : acc);
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new NormBackward;
    n->p = p;
    n->mask = m;
    record(ctx, out, n, {&a});
    n->save(n->x, a);
    n->save(n->norm_out, detach(out));
    n->has_saved = true;
  }
  return out;
}
}  // namespace

// ---- logsumexp ----

// d lse/dx_i = exp(x_i - lse): softmax of the group. Saves x and lse detached; under create_graph
// lse is recomputed from x.
struct LogsumexpBackward final : Node {
  Mask mask;
  SavedTensor x, lse;
  const char* name() const override { return "LogsumexpBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor xv = x.unpack(*this);
    if (ctx.grad) {
      Tensor w = exp(sub(xv, logsumexp_impl(xv, mask_dims(mask), true, ctx), ctx), ctx);
      return {mul(spread(g[0], xv->shape, mask, ctx), w, ctx)};
    }
    Tensor lv = lse.unpack(*this);
    Reader r(xv, mask);
    Tensor w = per_element(xv->shape, xv->dtype, mask,
                           [&](size_t o, size_t i) { return std::exp(r.at(o, i) - Reader::flat(lv, o)); });
    return {mul(spread(g[0], xv->shape, mask, ctx), w, ctx)};
  }
  void release_saved() override {
    x.reset();
    lse.reset();
  }
};

namespace {
Tensor logsumexp_impl(const Tensor& a, const Dims& dims, bool keep, Ctx ctx) {
  check_float(a, "logsumexp");
  Mask m = dims_mask(a, dims, false, "logsumexp");
  Reader r(a, m);
  Tensor out = reduced_out(a, m, keep, a->dtype);
  for (size_t o = 0; o < r.g.outer.size(); ++o) {
    // Subtract the max so exp never overflows; an infinite max is replaced by 0 as in PyTorch,
    // so that all -inf gives -inf and any +inf gives +inf instead of NaN.
    double mx = -INFINITY;
    for (size_t i = 0; i < r.g.n_inner; ++i) mx = std::max(mx, r.at(o, i));
    if (std::isinf(mx)) mx = 0;
    double s = 0;
    bool nan = false;
    for (size_t i = 0; i < r.g.n_inner; ++i) {
      double v = r.at(o, i);
      nan |= std::isnan(v);
      s += std::exp(v - mx);
    }
    store(out, o, nan ? NAN : mx + std::log(s));
  }
  if (any_requires_grad(ctx, {&a})) {
    auto* n = new LogsumexpBackward;
    n->mask = m;
    record(ctx, out, n, {&a});
    n->save(n->x, a);
    n->save(n->lse, detach(out));
    n->has_saved = true;
  }
  return out;
}
}  // namespace

// ---- softmax, log_softmax ----

// softmax: dx = y * (g - sum(g * y)) along the dim. Saves y detached (not y: a cycle), and x, from
// which y is recomputed under create_graph (x is unpacked, and its version checked, only then).
struct SoftmaxBackward final : Node {
  int64_t dim;
  SavedTensor x, y;
  const char* name() const override { return "SoftmaxBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor yv = ctx.grad ? softmax_impl(x.unpack(*this), dim, false, ctx) : y.unpack(*this);
    Tensor dot = sum_dims(mul(g[0], yv, ctx), {dim}, true, ctx);
    return {mul(yv, sub(g[0], dot, ctx), ctx)};
  }
  void release_saved() override {
    x.reset();
    y.reset();
  }
};

// log_softmax: dx = g - exp(y) * sum(g) along the dim. Saves y detached, and x: under create_graph
// exp(y) is recomputed as softmax(x).
struct LogSoftmaxBackward final : Node {
  int64_t dim;
  SavedTensor x, y;
  const char* name() const override { return "LogSoftmaxBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    if (ctx.grad) {
      Tensor e = softmax_impl(x.unpack(*this), dim, false, ctx);
      return {sub(g[0], mul(e, sum_dims(g[0], {dim}, true, ctx), ctx), ctx)};
    }
    Tensor yv = y.unpack(*this);
    Tensor e = empty(yv->shape, yv->dtype);  // exp(y) = softmax: a constant here
    NB_DISPATCH_FLOAT(yv->dtype, "log_softmax", [&] {
      const scalar_t* p = yv->data<scalar_t>();
      scalar_t* q = e->data<scalar_t>();
      for (int64_t i = 0, n = yv->numel(); i < n; ++i) q[i] = std::exp(p[i]);
    });
    return {sub(g[0], mul(e, sum_dims(g[0], {dim}, true, ctx), ctx), ctx)};
  }
  void release_saved() override {
    x.reset();
    y.reset();
  }
};

namespace {
Tensor softmax_impl(const Tensor& a, int64_t dim, bool log, Ctx ctx) {
  const char* op = log ? "log_softmax" : "softmax";
  check_float(a, op);
  int64_t d = wrap_dim(dim, a->ndim(), op);
  Mask m = dims_mask(a, {d}, false, op);
  Tensor out = empty(a->shape, a->dtype);
  Reader r(a, m);
  Groups go = groups_of(out, m);
  NB_DISPATCH_FLOAT(a->dtype, op, [&] {
    scalar_t* q = out->data<scalar_t>();
    std::vector<double> buf(r.g.n_inner);
    for (size_t o = 0; o < r.g.outer.size(); ++o) {
      double mx = -INFINITY;
      for (size_t i = 0; i < buf.size(); ++i) {
        buf[i] = r.at(o, i);
        mx = std::max(mx, buf[i]);
      }
      if (std::isinf(mx)) mx = 0;  // as for logsumexp; all -inf gives 0/0 = NaN, as PyTorch does
      double s = 0;
      for (double v : buf) s += std::exp(v - mx);
      double lse = std::log(s);
      for (size_t i = 0; i < buf.size(); ++i) {
        double sh = buf[i] - mx;
        q[go.outer[o] + go.in(i)] = static_cast<scalar_t>(log ? sh - lse : std::exp(sh) / s);
      }
    }
  });
  if (any_requires_grad(ctx, {&a})) {
    if (log) {
      auto* n = new LogSoftmaxBackward;
      n->dim = d;
      record(ctx, out, n, {&a});
      n->save(n->x, a);
      n->save(n->y, detach(out));
      n->has_saved = true;
    } else {
      auto* n = new SoftmaxBackward;
      n->dim = d;
      record(ctx, out, n, {&a});
      n->save(n->x, a);
      n->save(n->y, detach(out));
      n->has_saved = true;
    }
  }
  return out;
}
}  // namespace

// Registry. Integer arguments: `keep` is 0 or 1; a dims list is the remaining integers.
// prod: all elements. prod_dim: iargs = dim, keep
NB_REGISTER_OP("prod", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = prod_impl(a.tensor(0), {}, false, true, c); });
NB_REGISTER_OP("prod_dim", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = prod_impl(a.tensor(0), {a.integer(0)}, a.integer(1) != 0, false, c); });
// max, min: all elements, one output. max_dim, min_dim: iargs = dim, keep; outputs values, indices (int64)
NB_REGISTER_OP("max", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = select_impl<true>(a.tensor(0), {}, false, true, "max", "MaxBackward1", nullptr, c); });
NB_REGISTER_OP("min", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = select_impl<false>(a.tensor(0), {}, false, true, "min", "MinBackward1", nullptr, c); });
NB_REGISTER_OP("max_dim", 1, 2, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = select_impl<true>(a.tensor(0), {a.integer(0)}, a.integer(1) != 0, false, "max", "MaxBackward0", &o[1], c); });
NB_REGISTER_OP("min_dim", 1, 2, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = select_impl<false>(a.tensor(0), {a.integer(0)}, a.integer(1) != 0, false, "min", "MinBackward0", &o[1], c); });
// amax, amin: iargs = keep, dims... (no dims: all)
NB_REGISTER_OP("amax", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { Dims d = a.ints_from(1); o[0] = select_impl<true>(a.tensor(0), d, a.integer(0) != 0, d.empty(), "amax", "AmaxBackward0", nullptr, c); });
NB_REGISTER_OP("amin", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { Dims d = a.ints_from(1); o[0] = select_impl<false>(a.tensor(0), d, a.integer(0) != 0, d.empty(), "amin", "AminBackward0", nullptr, c); });
// argmax, argmin: all elements (flat index). argmax_dim, argmin_dim: iargs = dim, keep
NB_REGISTER_OP("argmax", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = arg_impl<true>(a.tensor(0), {}, false, true, "argmax"); });
NB_REGISTER_OP("argmin", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = arg_impl<false>(a.tensor(0), {}, false, true, "argmin"); });
NB_REGISTER_OP("argmax_dim", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = arg_impl<true>(a.tensor(0), {a.integer(0)}, a.integer(1) != 0, false, "argmax"); });
NB_REGISTER_OP("argmin_dim", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = arg_impl<false>(a.tensor(0), {a.integer(0)}, a.integer(1) != 0, false, "argmin"); });
// var, std: iargs = correction, keep, dims... (no dims: all)
NB_REGISTER_OP("var", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = var_std_impl(a.tensor(0), a.ints_from(2), a.integer(0), a.integer(1) != 0, false, c); });
NB_REGISTER_OP("std", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = var_std_impl(a.tensor(0), a.ints_from(2), a.integer(0), a.integer(1) != 0, true, c); });
// norm: fargs = p (1, 2 or inf); iargs = keep, dims... (no dims: all)
NB_REGISTER_OP("norm", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { Dims d = a.ints_from(1); o[0] = norm_impl(a.tensor(0), a.num(0), d, a.integer_or(0, 0) != 0, d.empty(), c); });
// logsumexp: iargs = keep, dims... (no dims: all)
NB_REGISTER_OP("logsumexp", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = logsumexp_impl(a.tensor(0), a.ints_from(1), a.integer(0) != 0, c); });
// softmax, log_softmax: iargs = dim
NB_REGISTER_OP("softmax", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = softmax_impl(a.tensor(0), a.integer(0), false, c); });
NB_REGISTER_OP("log_softmax", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = softmax_impl(a.tensor(0), a.integer(0), true, c); });

}  // namespace nabla
