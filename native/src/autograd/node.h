// Graph nodes: one per recorded op, holding its backward rule, what that rule saved, and edges to
// the nodes of its inputs. Leaves that require grad end in an AccumulateGrad node.
#pragma once
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
  void reset() { t_ = nullptr; }
  bool defined() const { return static_cast<bool>(t_); }

 private:
  Tensor t_;
  int64_t version_ = 0;
  const char* producer_ = nullptr;  // grad_fn name of the saved tensor, for the message
  uint32_t output_nr_ = 0;
};

struct Node : RefCounted {
  SmallVec<Edge, 2> next;  // one per differentiable forward input
  uint64_t seq = 0;        // creation order; later nodes run first among ready ones
  bool saved_released = false;
  bool has_saved = false;
  // Non-leaf tensors that asked for retain_grad(): (output_nr, tensor). The tensor removes itself
  // when it dies, so the raw pointer never dangles.
  std::vector<std::pair<uint32_t, TensorImpl*>> retainers;

  virtual const char* name() const = 0;
  // grads: one per forward output of this node. Returns one gradient per edge in `next` (an
  // undefined Tensor where none flows).
  virtual Grads apply(Grads& grads, Ctx ctx) = 0;
  virtual void release_saved() {}
  virtual uint32_t num_outputs() const { return 1; }

  void forget_retainer(TensorImpl* t);
  // Throws PyTorch's "backward through the graph a second time" error if saved were freed.
  void check_not_released() const;
};

// Writes the gradient into the leaf's .grad, accumulating.
struct AccumulateGrad final : Node {
  explicit AccumulateGrad(Tensor v) : variable(std::move(v)) {}
  ~AccumulateGrad() override;
  const char* name() const override { return "AccumulateGrad"; }
  Grads apply(Grads& grads, Ctx ctx) override;
  Tensor variable;
};

// The edge through which a gradient for `t` flows: its grad_fn, or its leaf's AccumulateGrad.
Edge gradient_edge(const Tensor& t);

// Records `node` as the grad_fn of `out` when any of `inputs` requires grad and ctx.grad is set.
// Returns true when recorded. Fills node->next with one edge per input.
bool record(Ctx ctx, const Tensor& out, Node* node, std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(Ctx ctx, std::initializer_list<const Tensor*> inputs);

// The reverse sweep. See engine.cpp.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                  bool retain_graph, bool create_graph);

}  // namespace nabla
