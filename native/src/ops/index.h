// Indexing ops: index_select, gather, scatter_add, masked_fill. Index tensors are int64, masks
// bool; an index out of range is an error naming the op, the index and the size.
#pragma once
#include "ops/ops.h"

namespace nabla {

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index, Ctx ctx);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index, Ctx ctx);
// Out of place, like torch.scatter_add: a copy of a with src[i] added at index[i] along dim.
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, Ctx ctx);
// Out of place: a (broadcast with mask) with value where mask is true.
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value, Ctx ctx);

}  // namespace nabla
