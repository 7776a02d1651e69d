// Matrix products through OpenBLAS GEMM. Forward, then the backward rule right below.
#include <cblas.h>

#include "ops/ops.h"

namespace nabla {

namespace {

// How BLAS can read a 2-D operand in place: row-major as is, or as the transpose of a
// row-major matrix. Anything else is copied first.
bool blas_layout(const Tensor& t, CBLAS_TRANSPOSE& trans, int64_t& ld) {
  int64_t rows = t->shape[0], cols = t->shape[1];
  if (t->strides[1] == 1 || cols <= 1) {
    int64_t s0 = rows <= 1 ? std::max<int64_t>(cols, 1) : t->strides[0];
    if (s0 >= std::max<int64_t>(cols, 1)) {
      trans = CblasNoTrans;
      ld = s0;
      return true;
    }
  }
  if (t->strides[0] == 1 || rows <= 1) {
    int64_t s1 = cols <= 1 ? std::max<int64_t>(rows, 1) : t->strides[1];
    if (s1 >= std::max<int64_t>(rows, 1)) {
      trans = CblasTrans;
      ld = s1;
      return true;
    }
  }
  return false;
}

Tensor mm_raw(Tensor a, Tensor b) {
  int64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
  Tensor out = full({m, n}, a->dtype, 0.0);
  if (m == 0 || n == 0 || k == 0) return out;
  CBLAS_TRANSPOSE ta, tb;
  int64_t lda, ldb;
  if (!blas_layout(a, ta, lda)) {
    a = contiguous(a, Ctx{});
    ta = CblasNoTrans;
    lda = k;
  }
  if (!blas_layout(b, tb, ldb)) {
    b = contiguous(b, Ctx{});
    tb = CblasNoTrans;
    ldb = n;
  }
  if (a->dtype == DType::F32)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a->data<float>(), lda, b->data<float>(), ldb,
                0.0f, out->data<float>(), n);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a->data<double>(), lda, b->data<double>(), ldb,
                0.0, out->data<double>(), n);
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b, Ctx ctx);

}  // namespace

// d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G; saves each operand only when the other needs it.
struct MmBackward0 final : Node {
  SavedTensor a, b;
  const char* name() const override { return "MmBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor ga, gb;
    if (next[0].fn) ga = mm(g[0], transpose(b.unpack(*this), 0, 1, ctx), ctx);
    if (next[1].fn) gb = mm(transpose(a.unpack(*this), 0, 1, ctx), g[0], ctx);
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
    record(ctx, out, n, {&a, &b});
    if (a->requires_grad()) n->b.save(b);
    if (b->requires_grad()) n->a.save(a);
    n->has_saved = true;
  }
  return out;
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, Ctx ctx) {
  if (!is_floating(a->dtype) || !is_floating(b->dtype))
    fail_arg("matmul: expected float32 or float64 tensors, got " + std::string(dtype_name(a->dtype)) +
             " and " + dtype_name(b->dtype));
  if (a->dtype != b->dtype) {
    DType d = DType::F64;
    return matmul(to_dtype(a, d, ctx), to_dtype(b, d, ctx), ctx);
  }
  int64_t na = a->ndim(), nb = b->ndim();
  if (na == 0 || nb == 0)
    fail_arg("matmul: both arguments need at least 1 dimension, got " + shape_of(a) + " @ " + shape_of(b));
  if (na > 2 || nb > 2)
    fail_arg("matmul: batched matmul (" + shape_of(a) + " @ " + shape_of(b) + ") is not supported yet");
  int64_t ka = a->shape[na - 1];
  int64_t kb = nb == 1 ? b->shape[0] : b->shape[0];
  if (ka != kb) {
    auto mat = [](const Tensor& t) {
      return t->ndim() == 1 ? std::to_string(t->shape[0])
                            : std::to_string(t->shape[0]) + "x" + std::to_string(t->shape[1]);
    };
    fail_shape("matmul: " + shape_of(a) + " @ " + shape_of(b) + ": inner dimensions " +
               std::to_string(ka) + " and " + std::to_string(kb) +
               " differ (mat1 and mat2 shapes cannot be multiplied (" + mat(a) + " and " + mat(b) + "))");
  }
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

}  // namespace nabla
