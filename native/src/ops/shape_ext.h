// Shape ops beyond the core views of shape.cpp: permute, squeeze, slicing, joining and splitting.
// Declared here (not in ops.h) so that index.cpp and later families can build on them.
#pragma once
#include <vector>

#include "ops/ops.h"

namespace nabla {

// Views: each shares a's storage.
Tensor permute(const Tensor& a, const Dims& dims, Ctx ctx);
Tensor squeeze(const Tensor& a, Ctx ctx);                 // every size-1 dim
Tensor squeeze_dim(const Tensor& a, int64_t dim, Ctx ctx);  // that dim, if it has size 1
Tensor unsqueeze(const Tensor& a, int64_t dim, Ctx ctx);
Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim, Ctx ctx);  // reshape semantics
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length, Ctx ctx);
// Python slicing a[start:end:step] along dim: start and end clamped, negative ones counted from
// the end; step > 0.
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step, Ctx ctx);
Tensor select(const Tensor& a, int64_t dim, int64_t index, Ctx ctx);  // a[..., index, ...], dim dropped

// Zeros of in_shape with g written into the slice [start:end:step] along dim (start and end
// already normalized): the gradient of slice, differentiable itself (its gradient is slice).
Tensor slice_backward(const Tensor& g, const Dims& in_shape, int64_t dim, int64_t start, int64_t end,
                      int64_t step, Ctx ctx);

// Joining and splitting.
Tensor cat(const std::vector<Tensor>& ts, int64_t dim, Ctx ctx);
Tensor stack(const std::vector<Tensor>& ts, int64_t dim, Ctx ctx);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim, Ctx ctx);
std::vector<Tensor> split_with_sizes(const Tensor& a, const Dims& sizes, int64_t dim, Ctx ctx);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim, Ctx ctx);

}  // namespace nabla
