// Custom differentiable functions whose backward is a callback (see callback.h).
#pragma once
#include <string>
#include <vector>

#include "autograd/node.h"

namespace nabla {

// Returns aliases of `outputs` whose grad_fn calls back with `id` (or the outputs themselves when
// nothing is recorded). The node releases `id` through the callback when it dies. saved_outputs:
// the function saved some of its outputs, so under create_graph the callback also gets the
// outputs with their history (see Note [saved outputs] in function.cpp).
std::vector<Tensor> record_function(Ctx ctx, int64_t id, const std::string& name,
                                    const std::vector<Tensor>& inputs,
                                    const std::vector<Tensor>& outputs, bool has_saved,
                                    bool saved_outputs = false);

}  // namespace nabla
