// The C ABI of autograd beyond backward(): autograd.grad, several roots, detach_, hooks, custom
// functions and anomaly mode. extern "C" wrappers only, as in capi.cpp.
#include <string>
#include <vector>

#include "autograd/callback.h"
#include "autograd/function.h"
#include "capi/status.h"
#include "nabla.h"
#include "ops/ops.h"

using namespace nabla;
using namespace nabla::capi;

namespace {

std::vector<Tensor> tensor_list(const nb_tensor* const* ts, int32_t n, const char* fn,
                                const char* what) {
  if (n < 0) fail_arg(std::string(fn) + ": negative count of " + what);
  if (n > 0 && !ts) fail_arg(std::string(fn) + ": " + what + " is NULL");
  std::vector<Tensor> out;
  out.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    if (!ts[i]) fail_arg(std::string(fn) + ": " + what + "[" + std::to_string(i) + "] is NULL");
    out.push_back(Tensor::borrow(impl(ts[i])));
  }
  return out;
}

// The gradient each root starts with: given, or ones for a one-element root (PyTorch's rule).
std::vector<Tensor> root_grads(const std::vector<Tensor>& roots, const nb_tensor* const* grads,
                               const char* fn) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    if (!r->requires_grad())
      fail_state(std::string(fn) + ": element " + std::to_string(i) +
                 " of tensors does not require grad and does not have a grad_fn");
    const nb_tensor* gi = grads ? grads[i] : nullptr;
    if (!gi) {
      if (r->numel() != 1)
        fail_arg(std::string(fn) + ": grad can be implicitly created only for scalar outputs "
                 "(output " + std::to_string(i) + " has shape " + shape_of(r) +
                 "; pass a gradient of that shape)");
      out.push_back(full(r->shape, r->dtype, 1.0));
      continue;
    }
    Tensor g = Tensor::borrow(impl(gi));
    if (g->shape != r->shape)
      fail_shape(std::string(fn) + ": Mismatch in shape: grad_output[" + std::to_string(i) +
                 "] has a shape of " + shape_of(g) + " and output[" + std::to_string(i) +
                 "] has a shape of " + shape_of(r));
    if (g->dtype != r->dtype) g = to_dtype(g, r->dtype, Ctx{});
    out.push_back(g);
  }
  return out;
}

}  // namespace

extern "C" {

nb_status* nb_tensor_detach_(nb_tensor* t) {
  return guard("nb_tensor_detach_", [&] {
    Tensor a = arg(t, "detach_", "t");
    if (a->is_view)
      fail_state("detach_: Can't detach views in-place. Use detach() instead. (shape " +
                 shape_of(a) + ")");
    if (a->retains_grad && a->grad_fn) a->grad_fn->forget_retainer(a.get());
    a->retains_grad = false;
    a->grad_fn = nullptr;
    a->output_nr = 0;
    a->requires_grad_ = false;
  });
}

int64_t nb_tensor_grad_fn_id(const nb_tensor* t) {
  if (!t || !impl(t)->grad_fn) return 0;
  return static_cast<int64_t>(impl(t)->grad_fn->seq) + 1;
}

nb_status* nb_autograd_backward(int32_t flags, const nb_tensor* const* tensors,
                                const nb_tensor* const* grads, int32_t n, int32_t retain_graph,
                                int32_t create_graph) {
  return guard("nb_autograd_backward", [&] {
    std::vector<Tensor> roots = tensor_list(tensors, n, "backward", "tensors");
    std::vector<Tensor> g = root_grads(roots, grads, "backward");
    BackwardOptions o;
    o.retain_graph = retain_graph != 0 || create_graph != 0;
    o.create_graph = create_graph != 0;
    o.anomaly = (flags & NB_ANOMALY) != 0;
    run_backward(roots, g, o);
  });
}

nb_status* nb_autograd_grad(int32_t flags, const nb_tensor* const* outputs,
                            const nb_tensor* const* grad_outputs, int32_t n_outputs,
                            const nb_tensor* const* inputs, int32_t n_inputs, int32_t retain_graph,
                            int32_t create_graph, int32_t allow_unused, nb_tensor** grads_out) {
  return guard("nb_autograd_grad", [&] {
    check_out(grads_out, "grad");
    std::vector<Tensor> roots = tensor_list(outputs, n_outputs, "grad", "outputs");
    std::vector<Tensor> ins = tensor_list(inputs, n_inputs, "grad", "inputs");
    if (roots.empty()) fail_arg("grad: outputs is empty; pass at least one tensor");
    if (ins.empty()) fail_arg("grad: inputs is empty; pass at least one tensor");
    for (size_t i = 0; i < ins.size(); ++i)
      if (!ins[i]->requires_grad())
        fail_state("grad: One of the differentiated Tensors does not require grad (input " +
                   std::to_string(i) + ", shape " + shape_of(ins[i]) + ")");
    std::vector<Tensor> g = root_grads(roots, grad_outputs, "grad");
    BackwardOptions o;
    o.retain_graph = retain_graph != 0 || create_graph != 0;
    o.create_graph = create_graph != 0;
    o.anomaly = (flags & NB_ANOMALY) != 0;
    o.inputs = &ins;
    o.allow_unused = allow_unused != 0;
    std::vector<Tensor> res = run_backward(roots, g, o);
    for (size_t i = 0; i < res.size(); ++i) grads_out[i] = res[i] ? give(res[i]) : nullptr;
  });
}

void nb_set_callback(intptr_t fn) { set_callback(fn); }

nb_status* nb_tensor_register_hook(nb_tensor* t, int64_t id) {
  return guard("nb_tensor_register_hook", [&] {
    Tensor a = arg(t, "register_hook", "t");
    if (!a->requires_grad())
      fail_state("register_hook: cannot register a hook on a tensor that doesn't require gradient");
    if (a->grad_fn) {
      a->grad_fn->pre_hooks.emplace_back(a->output_nr, id);
    } else {
      if (!a->hooks) a->hooks = new TensorHooks;
      a->hooks->pre.push_back(id);
    }
  });
}

nb_status* nb_tensor_register_post_accumulate_grad_hook(nb_tensor* t, int64_t id) {
  return guard("nb_tensor_register_post_accumulate_grad_hook", [&] {
    Tensor a = arg(t, "register_post_accumulate_grad_hook", "t");
    if (!a->requires_grad())
      fail_state("register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
                 "doesn't require gradient");
    if (a->grad_fn)
      fail_state("register_post_accumulate_grad_hook: post accumulate grad hooks cannot be "
                 "registered on non-leaf tensors");
    if (!a->hooks) a->hooks = new TensorHooks;
    a->hooks->post.push_back(id);
  });
}

nb_status* nb_function_record(int32_t flags, int64_t id, const char* name,
                              const nb_tensor* const* inputs, int32_t n_inputs,
                              const nb_tensor* const* outputs, int32_t n_outputs,
                              int32_t has_saved, nb_tensor** new_outputs) {
  return guard("nb_function_record", [&] {
    check_out(new_outputs, "function");
    std::vector<Tensor> ins = tensor_list(inputs, n_inputs, "function", "inputs");
    std::vector<Tensor> outs = tensor_list(outputs, n_outputs, "function", "outputs");
    std::vector<Tensor> res =
        record_function(Ctx{(flags & NB_GRAD) != 0}, id, name ? name : "FunctionBackward", ins,
                        outs, has_saved != 0, (has_saved & 2) != 0);
    for (size_t i = 0; i < res.size(); ++i) new_outputs[i] = give(res[i]);
  });
}

nb_status* nb_tensor_set_anomaly_trace(nb_tensor* t, const char* trace) {
  return guard("nb_tensor_set_anomaly_trace", [&] {
    Tensor a = arg(t, "set_anomaly_trace", "t");
    if (!a->grad_fn || a->grad_fn->anomaly_trace || !trace) return;
    a->grad_fn->anomaly_trace = std::make_unique<std::string>(trace);
  });
}

}  // extern "C"
