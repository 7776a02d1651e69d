// Every op Nabla has. Each records its backward node when ctx.grad is set and an input requires
// grad; backward rules are written with these same ops, so create_graph gives higher-order
// gradients without extra code.
#pragma once
#include "autograd/node.h"
#include "tensor/tensor.h"

namespace nabla {

// creation.cpp
Tensor full(const Dims& shape, DType dtype, double value);
Tensor arange(DType dtype, double start, double end, double step);
Tensor zeros_like(const Tensor& a);

// binary.cpp: broadcasting elementwise ops
Dims broadcast_shapes(const Dims& a, const Dims& b, const char* op);
Tensor add(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor sub(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor mul(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor div(const Tensor& a, const Tensor& b, Ctx ctx);

// scalar.cpp: ops with one tensor and one number
Tensor add_scalar(const Tensor& a, double s, Ctx ctx);
Tensor sub_scalar(const Tensor& a, double s, Ctx ctx);
Tensor mul_scalar(const Tensor& a, double s, Ctx ctx);
Tensor div_scalar(const Tensor& a, double s, Ctx ctx);
Tensor rsub_scalar(const Tensor& a, double s, Ctx ctx);  // s - a
Tensor rdiv_scalar(const Tensor& a, double s, Ctx ctx);  // s / a
Tensor neg(const Tensor& a, Ctx ctx);
Tensor pow_scalar(const Tensor& a, double e, Ctx ctx);

// reduce.cpp
Tensor sum(const Tensor& a, Ctx ctx);
Tensor sum_dims(const Tensor& a, const Dims& dims, bool keep_dim, Ctx ctx);
Tensor mean(const Tensor& a, Ctx ctx);
Tensor mean_dims(const Tensor& a, const Dims& dims, bool keep_dim, Ctx ctx);
// Sums a broadcast gradient back to `shape` (the one helper that undoes broadcasting).
Tensor sum_to(const Tensor& g, const Dims& shape, Ctx ctx);

// shape.cpp: views and copies
Tensor reshape(const Tensor& a, const Dims& shape, Ctx ctx);
Tensor view(const Tensor& a, const Dims& shape, Ctx ctx);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1, Ctx ctx);
Tensor expand(const Tensor& a, const Dims& shape, Ctx ctx);
Tensor contiguous(const Tensor& a, Ctx ctx);
Tensor clone(const Tensor& a, Ctx ctx);
Tensor to_dtype(const Tensor& a, DType dtype, Ctx ctx);
Tensor detach(const Tensor& a);

// matmul.cpp
Tensor matmul(const Tensor& a, const Tensor& b, Ctx ctx);

// inplace.cpp. Each checks the leaf rule and, under grad mode, rebases the history of `a`.
void add_(const Tensor& a, const Tensor& b, double alpha, Ctx ctx);
void sub_(const Tensor& a, const Tensor& b, Ctx ctx);
void mul_(const Tensor& a, const Tensor& b, Ctx ctx);
void add_scalar_(const Tensor& a, double s, Ctx ctx);
void mul_scalar_(const Tensor& a, double s, Ctx ctx);
void fill_(const Tensor& a, double v, Ctx ctx);
void copy_(const Tensor& a, const Tensor& src, Ctx ctx);
// a += alpha * b with no autograd and no checks: the engine's accumulation into .grad.
void add_inplace_raw(const Tensor& a, const Tensor& b, double alpha);

// random.cpp
struct Generator;
Tensor randn(Generator& g, const Dims& shape, DType dtype);
Tensor rand(Generator& g, const Dims& shape, DType dtype);

}  // namespace nabla
