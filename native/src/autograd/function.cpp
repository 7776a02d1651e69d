// Custom differentiable functions (torch.autograd.Function) whose backward lives behind the
// callback: the node keeps the function's id and calls back with the output gradients.
//
// Note [saved outputs]: a function that saves one of its own outputs for backward needs, under
// create_graph, that output with its history (this node as grad_fn), or the second derivative
// misses the part flowing through it. Keeping the output with its grad_fn in the node would make
// the cycle out -> grad_fn -> out, so, as PyTorch's SavedVariable does for outputs, the node keeps
// detached aliases of its outputs (same storage and version counter, no grad_fn) and reattaches
// itself when it runs: under create_graph the callback gets, after the gradients, one alias per
// output whose grad_fn is this node. The node is alive while it runs, and the aliases only live
// as long as the graph the backward records, which the node does not own: no cycle.
#include "autograd/function.h"

#include "autograd/callback.h"
#include "ops/ops.h"

namespace nabla {

namespace {

struct CallbackFunction final : Node {
  std::string nm;
  int64_t id = 0;
  struct Out {
    Dims shape;
    DType dtype;
  };
  std::vector<Out> outs;  // shapes of the forward outputs, to materialize missing gradients
  std::vector<Dims> in_shapes;
  std::vector<DType> in_dtypes;
  std::vector<Tensor> saved_outs;  // detached aliases of the outputs; see Note [saved outputs]
  bool callback_live = true;

  ~CallbackFunction() override { release_callback(NB_CB_RELEASE, id); }
  const char* name() const override { return nm.c_str(); }
  uint32_t num_outputs() const override { return static_cast<uint32_t>(outs.size()); }

  void release_saved() override {
    if (has_saved && !saved_released) release_callback(NB_CB_FREE_SAVED, id);
    saved_outs.clear();
  }

  Grads apply(Grads& grads, Ctx ctx) override {
    if (has_saved) check_not_released();
    // Like PyTorch's materialize_grads: an output that got no gradient gets zeros.
    std::vector<Tensor> in(outs.size());
    for (size_t i = 0; i < outs.size(); ++i)
      in[i] = i < grads.size() && grads[i] ? grads[i] : full(outs[i].shape, outs[i].dtype, 0.0);
    if (ctx.grad && !saved_outs.empty()) {
      for (size_t i = 0; i < saved_outs.size(); ++i) {
        const Tensor& o = saved_outs[i];
        Tensor h = alias_with(o, o->shape, o->strides, o->offset);
        if (is_floating(o->dtype)) {
          h->grad_fn = Ptr<Node>::borrow(this);
          h->output_nr = static_cast<uint32_t>(i);
        }
        in.push_back(h);
      }
    }
    std::vector<Tensor> res(next.size());
    invoke_callback(NB_CB_FUNCTION_BACKWARD, id, ctx.grad ? NB_GRAD : 0, in.data(),
                    static_cast<int32_t>(in.size()), res.data(), static_cast<int32_t>(res.size()),
                    nm.c_str());
    in.clear();  // drop the reattached aliases now (the callback took its own references)
    Grads out(next.size());
    for (size_t i = 0; i < next.size(); ++i) {
      if (!res[i] || !next[i].fn) continue;
      Tensor g = res[i];
      if (g->shape != in_shapes[i]) {
        // PyTorch lets a gradient that broadcasts to the input through by summing it back.
        bool ok = true;
        try {
          ok = broadcast_shapes(g->shape, in_shapes[i], nm.c_str()) == g->shape;
        } catch (const Error&) {
          ok = false;
        }
        if (!ok)
          fail_shape("Function " + nm + " returned an invalid gradient at index " +
                     std::to_string(i) + " - got " + shape_of(g) +
                     " but expected shape compatible with " + dims_str(in_shapes[i]));
        g = sum_to(g, in_shapes[i], ctx);
      }
      if (g->dtype != in_dtypes[i]) g = to_dtype(g, in_dtypes[i], ctx);
      out[i] = std::move(g);
    }
    return out;
  }
};

}  // namespace

std::vector<Tensor> record_function(Ctx ctx, int64_t id, const std::string& name,
                                    const std::vector<Tensor>& inputs,
                                    const std::vector<Tensor>& outputs, bool has_saved,
                                    bool saved_outputs) {
  auto node = Ptr<CallbackFunction>::adopt(new CallbackFunction);
  node->id = id;  // from here on the node owns the id: its destructor releases it
  node->nm = name;
  bool record = false;
  if (ctx.grad)
    for (const Tensor& t : inputs)
      if (t->requires_grad()) record = true;
  std::vector<Tensor> result;
  if (!record) {
    for (const Tensor& t : outputs) result.push_back(t);
    return result;
  }
  node->has_saved = has_saved;
  for (const Tensor& t : inputs) {
    node->next.push_back(t->requires_grad() ? gradient_edge(t) : Edge{});
    node->in_shapes.push_back(t->shape);
    node->in_dtypes.push_back(t->dtype);
  }
  node->seq = next_node_seq();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    node->outs.push_back({t->shape, t->dtype});
    if (saved_outputs) node->saved_outs.push_back(detach(t));
    // An alias carries the history, so that an output which is also an input (or a leaf the
    // caller holds) keeps its own.
    Tensor a = alias_with(t, t->shape, t->strides, t->offset);
    if (is_floating(t->dtype)) {
      a->grad_fn = node;
      a->output_nr = static_cast<uint32_t>(i);
    }
    result.push_back(a);
  }
  return result;
}

}  // namespace nabla
