// Matrix products through OpenBLAS GEMM. Forward, then the backward rule right below.
#include <cblas.h>

#include <vector>

#include "kernels/blas.h"
#include "kernels/parallel.h"
#include "ops/registry.h"

namespace nabla {

namespace {
// PyTorch does not promote in matrix products: mixing float32 and float64 is an error there, and a
// silent float64 product would hide a dtype bug (and be slower).
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  auto torch_name = [](DType d) { return d == DType::F32 ? "float" : d == DType::F64 ? "double" : dtype_name(d); };
  if (a->dtype != b->dtype)
    fail_arg(std::string(op) + ": expected m1 and m2 to have the same dtype, but got: " +
             torch_name(a->dtype) + " != " + torch_name(b->dtype) + " (shapes " + shape_of(a) + " and " +
             shape_of(b) + "); convert one with to(DType)");
}
}  // namespace


namespace {

// How BLAS can read a 2-D operand [rows, cols] with element strides (s0, s1) in place: row-major
// as is, or as the transpose of a row-major matrix. Anything else is copied first.
bool blas_layout(int64_t rows, int64_t cols, int64_t s0, int64_t s1, CBLAS_TRANSPOSE& trans, int64_t& ld) {
  if (s1 == 1 || cols <= 1) {
    int64_t r0 = rows <= 1 ? std::max<int64_t>(cols, 1) : s0;
    if (r0 >= std::max<int64_t>(cols, 1)) {
      trans = CblasNoTrans;
      ld = r0;
      return true;
    }
  }
  if (s0 == 1 || rows <= 1) {
    int64_t r1 = cols <= 1 ? std::max<int64_t>(rows, 1) : s1;
    if (r1 >= std::max<int64_t>(rows, 1)) {
      trans = CblasTrans;
      ld = r1;
      return true;
    }
  }
  return false;
}

// The last two dims of t as a BLAS operand; copies t to contiguous when they cannot be read in place.
void blas_operand(Tensor& t, CBLAS_TRANSPOSE& trans, int64_t& ld) {
  int64_t nd = t->ndim();
  if (blas_layout(t->shape[nd - 2], t->shape[nd - 1], t->strides[nd - 2], t->strides[nd - 1], trans, ld)) return;
  t = contiguous(t, Ctx{});
  trans = CblasNoTrans;
  ld = std::max<int64_t>(t->shape[nd - 1], 1);
}

void gemm(DType dt, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, const char* a,
          int64_t lda, const char* b, int64_t ldb, char* c, int64_t ldc) {
  const bool at = ta == CblasTrans, bt = tb == CblasTrans;
  if (dt == DType::F32)
    blas_gemm(at, bt, m, n, k, 1.0f, reinterpret_cast<const float*>(a), lda, reinterpret_cast<const float*>(b), ldb,
              0.0f, reinterpret_cast<float*>(c), ldc);
  else
    blas_gemm(at, bt, m, n, k, 1.0, reinterpret_cast<const double*>(a), lda, reinterpret_cast<const double*>(b),
              ldb, 0.0, reinterpret_cast<double*>(c), ldc);
}

Tensor mm_raw(Tensor a, Tensor b) {
  int64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
  // GEMM with beta = 0 never reads C (the BLAS contract), so the output needs no fill, except for
  // k == 0 and for a vector result: newer OpenBLAS releases forward those to GEMV, whose beta = 0
  // has scaled (so kept) a NaN already in y in some versions; cached storage can hold one.
  if (m == 0 || n == 0 || k == 0) return full({m, n}, a->dtype, 0.0);
  Tensor out = m == 1 || n == 1 ? full({m, n}, a->dtype, 0.0) : empty({m, n}, a->dtype);
  CBLAS_TRANSPOSE ta, tb;
  int64_t lda, ldb;
  blas_operand(a, ta, lda);
  blas_operand(b, tb, ldb);
  gemm(a->dtype, ta, tb, m, n, k, a->data_ptr(), lda, b->data_ptr(), ldb, out->data_ptr(), n);
  return out;
}

// Element offsets of each matrix of t ([..., r, c]) seen with its batch dims broadcast to `batch`,
// in row-major batch order. A broadcast dim has stride 0, so no operand is materialized.
std::vector<int64_t> batch_offsets(const Tensor& t, const Dims& batch) {
  size_t nb = t->shape.size() - 2, lead = batch.size() - nb;
  std::vector<int64_t> v{t->offset};
  for (size_t d = 0; d < batch.size(); ++d) {
    int64_t st = d < lead || t->shape[d - lead] == 1 ? 0 : t->strides[d - lead];
    std::vector<int64_t> w;
    w.reserve(v.size() * static_cast<size_t>(batch[d]));
    for (int64_t x : v)
      for (int64_t i = 0; i < batch[d]; ++i) w.push_back(x + i * st);
    v.swap(w);
  }
  return v;
}

Tensor mm(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor bmatmul(const Tensor& a, const Tensor& b, Ctx ctx);

}  // namespace

// d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G; saves each operand only when the other needs it.
// Note [gradient layout]: when an operand is a transposed view (Linear's W^T), its gradient is
// computed as the transpose of a row-major product, (G^T A)^T instead of A^T G: the same values,
// but after TransposeBackward0 the weight's gradient is row-major, so accumulating it into .grad
// needs no transposing copy (as PyTorch's mm_mat2_backward does).
struct MmBackward0 final : Node {
  SavedTensor a, b;
  bool a_transposed = false, b_transposed = false;
  const char* name() const override { return "MmBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor ga, gb;
    if (next[0].fn) {
      Tensor bv = b.unpack(*this);
      ga = a_transposed ? transpose(mm(bv, transpose(g[0], 0, 1, ctx), ctx), 0, 1, ctx)
                        : mm(g[0], transpose(bv, 0, 1, ctx), ctx);
    }
    if (next[1].fn) {
      Tensor av = a.unpack(*this);
      gb = b_transposed ? transpose(mm(transpose(g[0], 0, 1, ctx), av, ctx), 0, 1, ctx)
                        : mm(transpose(av, 0, 1, ctx), g[0], ctx);
    }
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

namespace {
Tensor mm(const Tensor& a, const Tensor& b, Ctx ctx) {
  Tensor out = mm_raw(a, b);
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* n = new MmBackward0;
    // Column-major layout: stride 1 along rows, the other stride at least the row count.
    auto transposed = [](const Tensor& t) {
      return t->shape[0] > 1 && t->shape[1] > 1 && t->strides[0] == 1 && t->strides[1] >= t->shape[0];
    };
    n->a_transposed = transposed(a);
    n->b_transposed = transposed(b);
    record(ctx, out, n, {&a, &b});
    if (a->requires_grad()) n->save(n->b, b);
    if (b->requires_grad()) n->save(n->a, a);
    n->has_saved = true;
  }
  return out;
}
}  // namespace

// Batched, with broadcast batch dims: as for mm, matrix by matrix, and each gradient summed back
// over the batch dims its operand was broadcast along (sum_to). Saves each operand only when the
// other needs it.
struct BmmBackward0 final : Node {
  Dims sa, sb;
  SavedTensor a, b;
  const char* name() const override { return "BmmBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor ga, gb;
    if (next[0].fn) ga = sum_to(bmatmul(g[0], transpose(b.unpack(*this), -1, -2, ctx), ctx), sa, ctx);
    if (next[1].fn) gb = sum_to(bmatmul(transpose(a.unpack(*this), -1, -2, ctx), g[0], ctx), sb, ctx);
    return {ga, gb};
  }
  void release_saved() override {
    a.reset();
    b.reset();
  }
};

namespace {
// a: [..., m, k], b: [..., k, n], both at least 2-D, k already checked; out: [batch..., m, n].
Tensor bmatmul(const Tensor& a, const Tensor& b, Ctx ctx) {
  int64_t na = a->ndim(), nb = b->ndim();
  int64_t m = a->shape[na - 2], k = a->shape[na - 1], n = b->shape[nb - 1];
  Dims ba(a->shape.begin(), a->shape.end() - 2), bb(b->shape.begin(), b->shape.end() - 2);
  size_t nd = std::max(ba.size(), bb.size());
  Dims batch(nd, 1);
  for (size_t i = 0; i < nd; ++i) {
    int64_t da = i < nd - ba.size() ? 1 : ba[i - (nd - ba.size())];
    int64_t db = i < nd - bb.size() ? 1 : bb[i - (nd - bb.size())];
    if (da != db && da != 1 && db != 1)
      fail_shape("matmul: " + shape_of(a) + " @ " + shape_of(b) + ": batch dimensions " + dims_str(ba) +
                 " and " + dims_str(bb) + " cannot be broadcast (the size of tensor a (" + std::to_string(da) +
                 ") must match the size of tensor b (" + std::to_string(db) + ") at non-singleton dimension " +
                 std::to_string(i) + ")");
    batch[i] = da == 1 ? db : da;
  }
  Dims out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = k > 0 && m > 1 && n > 1 ? empty(out_shape, a->dtype) : full(out_shape, a->dtype, 0.0);  // see mm_raw
  if (m > 0 && n > 0 && k > 0 && out->numel() > 0) {
    Tensor ac = a, bc = b;
    CBLAS_TRANSPOSE ta, tb;
    int64_t lda, ldb;
    blas_operand(ac, ta, lda);
    blas_operand(bc, tb, ldb);
    std::vector<int64_t> oa = batch_offsets(ac, batch), ob = batch_offsets(bc, batch);
    size_t es = dtype_size(a->dtype);
    // batch_offsets count from the storage's start; data_ptr() first computes a deferred operand.
    char* pa = ac->data_ptr() - ac->offset * static_cast<int64_t>(es);
    char* pb = bc->data_ptr() - bc->offset * static_cast<int64_t>(es);
    for (size_t i = 0; i < oa.size(); ++i)
      gemm(a->dtype, ta, tb, m, n, k, pa + oa[i] * static_cast<int64_t>(es), lda, pb + ob[i] * static_cast<int64_t>(es),
           ldb, out->data_ptr() + static_cast<int64_t>(i) * m * n * static_cast<int64_t>(es), n);
  }
  if (any_requires_grad(ctx, {&a, &b})) {
    auto* node = new BmmBackward0;
    node->sa = a->shape;
    node->sb = b->shape;
    record(ctx, out, node, {&a, &b});
    if (a->requires_grad()) node->save(node->b, b);
    if (b->requires_grad()) node->save(node->a, a);
    node->has_saved = true;
  }
  return out;
}

void check_float2(const Tensor& a, const Tensor& b, const char* op) {
  if (!is_floating(a->dtype) || !is_floating(b->dtype))
    fail_arg(std::string(op) + ": expected float32 or float64 tensors, got " + dtype_name(a->dtype) + " and " +
             dtype_name(b->dtype));
}
}  // namespace

// torch.matmul: 1-D and 2-D operands as mm/mv/dot; anything with more dims is a batched matmul
// whose batch dims broadcast, a 1-D operand being promoted to a matrix and its dim removed after.
Tensor matmul(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_float2(a, b, "matmul");
  check_same_dtype(a, b, "matmul");
  int64_t na = a->ndim(), nb = b->ndim();
  if (na == 0 || nb == 0)
    fail_arg("matmul: both arguments need at least 1 dimension, got " + shape_of(a) + " @ " + shape_of(b));
  int64_t ka = a->shape[na - 1];
  int64_t kb = nb == 1 ? b->shape[0] : b->shape[nb - 2];
  if (ka != kb) {
    auto mat = [](const Tensor& t) {
      int64_t n = t->ndim();
      return n == 1 ? std::to_string(t->shape[0])
                    : std::to_string(t->shape[n - 2]) + "x" + std::to_string(t->shape[n - 1]);
    };
    fail_shape("matmul: " + shape_of(a) + " @ " + shape_of(b) + ": inner dimensions " +
               std::to_string(ka) + " and " + std::to_string(kb) +
               " differ (mat1 and mat2 shapes cannot be multiplied (" + mat(a) + " and " + mat(b) + "))");
  }
  if (na <= 2 && nb <= 2) {
    // torch.matmul on vectors: promote to matrices, multiply, drop the added dims.
    Tensor a2 = na == 1 ? reshape(a, {1, ka}, ctx) : a;
    Tensor b2 = nb == 1 ? reshape(b, {kb, 1}, ctx) : b;
    Tensor out = mm(a2, b2, ctx);
    if (na == 2 && nb == 2) return out;
    Dims shape;
    if (na == 2) shape.push_back(a->shape[0]);
    if (nb == 2) shape.push_back(b->shape[1]);
    return reshape(out, shape, ctx);
  }
  if (nb <= 2) {
    // [..., m, k] @ [k, n] (or [k]): one GEMM over the folded rows, as PyTorch does.
    Dims shape(a->shape.begin(), a->shape.end() - 1);  // [..., m]
    Tensor out = mm(reshape(a, {dims_numel(shape), ka}, ctx), nb == 1 ? reshape(b, {kb, 1}, ctx) : b, ctx);
    if (nb == 2) shape.push_back(b->shape[1]);
    return reshape(out, shape, ctx);
  }
  Tensor a2 = na == 1 ? reshape(a, {1, ka}, ctx) : a;
  Tensor out = bmatmul(a2, b, ctx);
  if (na != 1) return out;
  Dims s = out->shape;  // drop the m = 1 dim that a 1-D a was given
  s.erase_at(s.size() - 2);
  return reshape(out, s, ctx);
}

// torch.bmm: strictly [b, n, m] @ [b, m, p], no broadcasting.
Tensor bmm(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_float2(a, b, "bmm");
  if (a->ndim() != 3) fail_shape("bmm: batch1 must be a 3D tensor, got " + shape_of(a) + " @ " + shape_of(b));
  if (b->ndim() != 3) fail_shape("bmm: batch2 must be a 3D tensor, got " + shape_of(a) + " @ " + shape_of(b));
  if (b->shape[0] != a->shape[0] || b->shape[1] != a->shape[2])
    fail_shape("bmm: " + shape_of(a) + " @ " + shape_of(b) +
               ": expected size for first two dimensions of batch2 tensor to be: [" + std::to_string(a->shape[0]) +
               ", " + std::to_string(a->shape[2]) + "] but got: [" + std::to_string(b->shape[0]) + ", " +
               std::to_string(b->shape[1]) + "]");
  check_same_dtype(a, b, "bmm");
  return bmatmul(a, b, ctx);
}

// torch.outer: a[i] * b[j], a broadcast product (its gradient is MulBackward0's).
Tensor outer(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_float2(a, b, "outer");
  if (a->ndim() != 1 || b->ndim() != 1)
    fail_shape("outer: expected 1-D tensors, got " + shape_of(a) + " and " + shape_of(b));
  return mul(reshape(a, {a->shape[0], 1}, ctx), reshape(b, {1, b->shape[0]}, ctx), ctx);
}

// torch.dot: the inner product of two 1-D tensors of one length (a 0-dim result).
Tensor dot(const Tensor& a, const Tensor& b, Ctx ctx) {
  check_float2(a, b, "dot");
  if (a->ndim() != 1 || b->ndim() != 1)
    fail_shape("dot: 1D tensors expected, but got " + std::to_string(a->ndim()) + "D and " +
               std::to_string(b->ndim()) + "D tensors (" + shape_of(a) + " and " + shape_of(b) + ")");
  if (a->shape[0] != b->shape[0])
    fail_shape("dot: inconsistent tensor size, expected tensor " + shape_of(a) + " and src " + shape_of(b) +
               " to have the same number of elements, but got " + std::to_string(a->shape[0]) + " and " +
               std::to_string(b->shape[0]) + " elements respectively");
  return matmul(a, b, ctx);
}

// torch.nn.functional.linear: x @ w^T + b, w [out, in] (or [in]), b optional. w^T is a view, read
// by GEMM in place.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor* bias, Ctx ctx) {
  check_float2(x, w, "linear");
  if (w->ndim() == 0 || w->ndim() > 2)
    fail_shape("linear: weight must be 1-D or 2-D ([out_features, in_features]), got " + shape_of(w));
  if (x->ndim() == 0) fail_shape("linear: input must have at least 1 dimension, got " + shape_of(x));
  int64_t in = w->shape[w->ndim() - 1];
  if (x->shape[x->ndim() - 1] != in)
    fail_shape("linear: input " + shape_of(x) + " and weight " + shape_of(w) +
               ": input features " + std::to_string(x->shape[x->ndim() - 1]) + " and weight in_features " +
               std::to_string(in) + " differ (mat1 and mat2 shapes cannot be multiplied)");
  Tensor out = matmul(x, w->ndim() == 2 ? transpose(w, 0, 1, ctx) : w, ctx);
  return bias ? add(out, *bias, ctx) : out;
}

// matmul is registered with the core ops (registry.cpp).
NB_REGISTER_OP("bmm", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = bmm(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("outer", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = outer(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("dot", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = dot(a.tensor(0), a.tensor(1), c); });
// linear: tensors = x, w, and optionally b
NB_REGISTER_OP("linear", -1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) {
  if (a.n_in < 2 || a.n_in > 3) fail_arg("linear: expected 2 or 3 tensors (input, weight, bias), got " + std::to_string(a.n_in));
  o[0] = linear(a.tensor(0), a.tensor(1), a.n_in == 3 ? &a.tensor(2) : nullptr, c);
});

}  // namespace nabla
