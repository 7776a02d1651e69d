// Graph nodes: one per recorded op, holding its backward rule, what that rule saved, and edges to
// the nodes of its inputs. Leaves that require grad end in an AccumulateGrad node.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace nabla {

// How an op runs: with grad recording on or off. Passed explicitly; there is no hidden global.
struct Ctx {
  bool grad = false;
};

struct Node;

struct Edge {
  Ptr<Node> fn;          // null: this input needs no gradient
  uint32_t input_nr = 0;  // which of fn's gradient inputs this edge feeds
};

using Grads = SmallVec<Tensor, 2>;

// Note [saved tensors]: a backward rule keeps the tensors it needs together with the version of
// their storage at save time. If an in-place op changed them since, unpacking fails with
// PyTorch's message instead of computing a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  void save(const Tensor& t);
  // The saved tensor, checked against its version. `owner` names the node in the message.
  Tensor unpack(const Node& owner) const;
  // The saved tensor without the version check (NULL once released): for graph inspection only.
  const Tensor& peek() const { return t_; }
  void reset() { t_ = nullptr; }
  bool defined() const { return static_cast<bool>(t_); }

 private:
  Tensor t_;
  int64_t version_ = 0;
  const char* producer_ = nullptr;  // grad_fn name of the saved tensor, for the message
  uint32_t output_nr_ = 0;
};

struct Node : RefCounted {
  ~Node() override;
  SmallVec<Edge, 2> next;  // one per differentiable forward input
  uint64_t seq = 0;        // creation order; later nodes run first among ready ones
  bool saved_released = false;
  bool has_saved = false;
  // Non-leaf tensors that asked for retain_grad(): (output_nr, tensor). The tensor removes itself
  // when it dies, so the raw pointer never dangles.
  std::vector<std::pair<uint32_t, TensorImpl*>> retainers;
  // The node's saved tensors, in the order they were saved, for graph inspection (torchviz's
  // show_saved). They point into this node's own members, so they live exactly as long as it does.
  SmallVec<const SavedTensor*, 4> saved_list;

  // Saves t into the member s and lists it for inspection.
  void save(SavedTensor& s, const Tensor& t) {
    s.save(t);
    saved_list.push_back(&s);
  }
  // Hooks of non-leaf tensors made by this node: (output_nr, callback id). See callback.h.
  std::vector<std::pair<uint32_t, int64_t>> pre_hooks;
  // Where the forward op ran, recorded only in anomaly mode (nb_tensor_set_anomaly_trace).
  std::unique_ptr<std::string> anomaly_trace;

  virtual const char* name() const = 0;
  // grads: one per forward output of this node. Returns one gradient per edge in `next` (an
  // undefined Tensor where none flows).
  virtual Grads apply(Grads& grads, Ctx ctx) = 0;
  virtual void release_saved() {}
  virtual uint32_t num_outputs() const { return 1; }
  // The leaf this node accumulates into, for AccumulateGrad; null for every other node.
  virtual TensorImpl* accumulates_into() const { return nullptr; }

  void forget_retainer(TensorImpl* t);
  // Throws PyTorch's "backward through the graph a second time" error if saved were freed.
  void check_not_released() const;
};

// Hooks of a leaf tensor (callback ids), kept on the tensor because its AccumulateGrad node may
// not exist yet. Pre hooks see the gradient before it is accumulated; post hooks run after.
struct TensorHooks {
  std::vector<int64_t> pre;
  std::vector<int64_t> post;
};
// Called by ~TensorImpl: releases the callback ids and frees the hooks.
void free_tensor_hooks(TensorHooks* h);

// Writes the gradient into the leaf's .grad, accumulating.
struct AccumulateGrad final : Node {
  explicit AccumulateGrad(Tensor v) : variable(std::move(v)) {}
  ~AccumulateGrad() override;
  const char* name() const override { return "AccumulateGrad"; }
  Grads apply(Grads& grads, Ctx ctx) override;
  TensorImpl* accumulates_into() const override { return variable.get(); }
  Tensor variable;
};

// The edge through which a gradient for `t` flows: its grad_fn, or its leaf's AccumulateGrad.
Edge gradient_edge(const Tensor& t);

// Records `node` as the grad_fn of `out` when any of `inputs` requires grad and ctx.grad is set.
// Returns true when recorded. Fills node->next with one edge per input.
bool record(Ctx ctx, const Tensor& out, Node* node, std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(Ctx ctx, std::initializer_list<const Tensor*> inputs);
// The next creation-order number for a node recorded outside record().
uint64_t next_node_seq();

// The reverse sweep. See engine.cpp.
struct BackwardOptions {
  bool retain_graph = false;
  bool create_graph = false;
  bool anomaly = false;  // check every node's outputs for nan/inf (NB_ANOMALY)
  // Set for autograd.grad: the gradients w.r.t. these are returned and no .grad is touched.
  const std::vector<Tensor>* inputs = nullptr;
  bool allow_unused = false;
};
// Returns one gradient per options.inputs (undefined where unused and allow_unused), or nothing.
std::vector<Tensor> run_backward(const std::vector<Tensor>& roots,
                                 const std::vector<Tensor>& grad_roots, const BackwardOptions& o);
inline void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                         bool retain_graph, bool create_graph) {
  BackwardOptions o;
  o.retain_graph = retain_graph;
  o.create_graph = create_graph;
  run_backward(roots, grad_roots, o);
}

}  // namespace nabla
