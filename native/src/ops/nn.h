// Network ops (torch.nn.functional): convolution, pooling, dropout, embedding, one-hot.
// Inputs are [N, C, H, W] (or unbatched [C, H, W]); every op records its backward node, and every
// backward rule is itself written with differentiable ops, so create_graph reaches second order.
#pragma once
#include "ops/ops.h"

namespace nabla {

struct Generator;

// stride, padding, dilation as (height, width) pairs, as in torch.nn.functional.conv2d.
struct Conv2dParams {
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
};

// input [N, C, H, W] or [C, H, W]; weight [O, C/groups, kH, kW]; bias [O] or undefined.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
              Ctx ctx);

struct Pool2dParams {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

// Returns (values, indices): indices are int64 flat positions h * W + w inside each input plane,
// as torch.nn.functional.max_pool2d(..., return_indices=True) gives them.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const Pool2dParams& p, Ctx ctx);
Tensor avg_pool2d(const Tensor& input, const Pool2dParams& p, bool count_include_pad, Ctx ctx);

// Inverted dropout: keeps each element with probability 1 - p and scales it by 1 / (1 - p).
// Returns `a` itself when !training or p == 0. g is advanced by one draw per element.
Tensor dropout(Generator& g, const Tensor& a, double p, bool training, Ctx ctx);

// indices int64 of any shape, weight [num, dim] -> [..., dim].
Tensor embedding(const Tensor& indices, const Tensor& weight, Ctx ctx);
// indices int64 -> int64 [..., num_classes]; num_classes -1 means max + 1.
Tensor one_hot(const Tensor& indices, int64_t num_classes);

}  // namespace nabla
