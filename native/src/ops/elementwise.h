// The elementwise family beyond ops.h: type promotion, unary math (unary.cpp), pow/maximum/
// minimum/where (binary.cpp), comparisons and logical ops (compare.cpp). Other families may call
// these directly.
#pragma once
#include "ops/ops.h"

namespace nabla {

// PyTorch's result_type for two tensors: bool < int64 < float32 < float64, where a 0-dim tensor
// only decides the type when its category (bool, integer, floating) is higher than the other's.
DType result_type(const Tensor& a, const Tensor& b);
// PyTorch's result_type for a tensor and a Python number: an integral `s` keeps an int64 tensor
// int64 (and makes a bool tensor int64); a non-integral one makes either float32.
DType result_type_scalar(const Tensor& a, double s);
// float32 for bool/int64 (the default dtype, as torch promotes ints for exp, div, ...), else a's.
DType float_type(DType d);

// unary.cpp
Tensor exp(const Tensor& a, Ctx ctx);
Tensor log(const Tensor& a, Ctx ctx);
Tensor log1p(const Tensor& a, Ctx ctx);
Tensor sqrt(const Tensor& a, Ctx ctx);
Tensor rsqrt(const Tensor& a, Ctx ctx);
Tensor abs(const Tensor& a, Ctx ctx);
Tensor sign(const Tensor& a, Ctx ctx);
Tensor sin(const Tensor& a, Ctx ctx);
Tensor cos(const Tensor& a, Ctx ctx);
Tensor tanh(const Tensor& a, Ctx ctx);
Tensor sigmoid(const Tensor& a, Ctx ctx);
Tensor erf(const Tensor& a, Ctx ctx);
Tensor relu(const Tensor& a, Ctx ctx);
Tensor leaky_relu(const Tensor& a, double negative_slope, Ctx ctx);
Tensor elu(const Tensor& a, double alpha, Ctx ctx);
Tensor gelu(const Tensor& a, bool tanh_approx, Ctx ctx);
Tensor silu(const Tensor& a, Ctx ctx);
Tensor softplus(const Tensor& a, double beta, double threshold, Ctx ctx);
// Either bound may be absent (has_min / has_max false), as in torch.clamp(x, min=None, max=...).
Tensor clamp(const Tensor& a, bool has_min, double min, bool has_max, double max, Ctx ctx);
Tensor reciprocal(const Tensor& a, Ctx ctx);
Tensor square(const Tensor& a, Ctx ctx);

// binary.cpp
Tensor pow(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor maximum(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor minimum(const Tensor& a, const Tensor& b, Ctx ctx);
Tensor where(const Tensor& mask, const Tensor& a, const Tensor& b, Ctx ctx);

// compare.cpp: bool results, never recorded.
enum class CmpOp { EQ, NE, LT, LE, GT, GE };
Tensor compare(const Tensor& a, const Tensor& b, CmpOp op);
Tensor compare_scalar(const Tensor& a, double s, CmpOp op);
enum class LogicOp { AND, OR, XOR };
Tensor logical(const Tensor& a, const Tensor& b, LogicOp op);
Tensor logical_not(const Tensor& a);

}  // namespace nabla
