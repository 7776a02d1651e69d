// The frame the fused optimizer steps (adam_step_, sgd_step_, rmsprop_step_) share: their tensors
// checked against the parameter, flat buffers for the kernel, and the write-back. Each step keeps its
// own argument-count check (the state it expects depends on its options) and its kernel.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ops/ops.h"
#include "ops/registry.h"

namespace nabla {

// a.tensor(0) is the parameter, a.tensor(1) its gradient, a.tensor(k) the tensor names[k]. Fails,
// naming a.op, unless the parameter is float32 or float64 and every other tensor has its dtype and
// shape.
void check_step_tensors(const OpArgs& a, const std::vector<std::string>& names);

// Runs kernel(work) with work[k] standing for a.tensor(k) as a flat buffer: the tensors themselves
// when all are contiguous and no two share storage, else contiguous copies written back afterwards.
// Then bumps the version of every tensor but the gradient, which is only read.
void run_step(const OpArgs& a, const std::function<void(const std::vector<Tensor>&)>& kernel);

}  // namespace nabla
