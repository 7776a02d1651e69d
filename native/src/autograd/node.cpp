#include "autograd/node.h"

#include <algorithm>
#include <atomic>

#include "ops/ops.h"

namespace nabla {

namespace {
std::atomic<uint64_t> g_seq{0};
}

void SavedTensor::save(const Tensor& t) {
  t_ = t;
  version_ = t->version();
  producer_ = t->grad_fn ? t->grad_fn->name() : nullptr;
  output_nr_ = t->output_nr;
}

Tensor SavedTensor::unpack(const Node& owner) const {
  owner.check_not_released();
  if (t_->version() != version_) {
    std::string what = std::string("[") + dtype_tensor_name(t_->dtype) + " " + shape_of(t_) + "]";
    if (producer_)
      what += ", which is output " + std::to_string(output_nr_) + " of " + producer_ + ",";
    fail_state(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: " + what + " is at version " + std::to_string(t_->version()) +
        "; expected version " + std::to_string(version_) +
        " instead. Hint: the backward of " + owner.name() +
        " needs it; clone() the tensor before changing it in place, or change a copy.");
  }
  return t_;
}

void Node::check_not_released() const {
  if (saved_released)
    fail_state(
        std::string("Trying to backward through the graph a second time (or directly access saved "
                    "tensors after they have already been freed). Saved intermediate values of the "
                    "graph are freed when you call .backward() or autograd.grad(). Specify "
                    "retainGraph=true if you need to backward through the graph a second time or "
                    "if you need to access saved tensors after calling backward. (node: ") +
        name() + ")");
}

void Node::forget_retainer(TensorImpl* t) {
  retainers.erase(std::remove_if(retainers.begin(), retainers.end(),
                                 [t](const auto& r) { return r.second == t; }),
                  retainers.end());
}

AccumulateGrad::~AccumulateGrad() {
  if (variable && variable->grad_accumulator == this) variable->grad_accumulator = nullptr;
}

// Note [accumulating into .grad]: the first gradient is stored as a contiguous tensor of its own
// (never a view of something else that a later in-place op could change); later ones are added in
// place, or out of place when create_graph asks for a graph through the accumulation.
// A gradient nobody else holds is kept as it is, as PyTorch's AccumulateGrad steals it. A view
// qualifies when it alone holds the whole of its storage (a weight's gradient arrives as the
// transpose of a transposed product, see Note [gradient layout]): no other tensor can see that
// memory, so it stops being a view.
Grads AccumulateGrad::apply(Grads& grads, Ctx ctx) {
  Tensor& g = grads[0];
  if (!g) return {};
  TensorImpl* v = variable.get();
  if (!v->grad) {
    bool can_steal = !ctx.grad && g->ref_count() == 1 && g->is_contiguous() && g->storage->ref_count() == 1 &&
                     g->shape == v->shape && !g->grad_fn &&
                     (!g->is_view || (g->offset == 0 && g->storage->nbytes() ==
                                                            g->numel() * static_cast<int64_t>(dtype_size(g->dtype))));
    if (can_steal) {
      g->is_view = false;
      v->grad = g;
    } else {
      v->grad = clone(g, Ctx{ctx.grad});
    }
  } else if (ctx.grad) {
    v->grad = add(v->grad, g, ctx);
  } else {
    add_inplace_raw(v->grad, g, 1.0);
  }
  return {};
}

Edge gradient_edge(const Tensor& t) {
  if (t->grad_fn) return Edge{t->grad_fn, t->output_nr};
  if (!t->requires_grad_) return Edge{};
  if (t->grad_accumulator) return Edge{Ptr<Node>::borrow(t->grad_accumulator), 0};
  auto acc = Ptr<Node>::adopt(new AccumulateGrad(t));
  t->grad_accumulator = acc.get();
  return Edge{acc, 0};
}

uint64_t next_node_seq() { return g_seq.fetch_add(1, std::memory_order_relaxed); }

bool any_requires_grad(Ctx ctx, std::initializer_list<const Tensor*> inputs) {
  if (!ctx.grad) return false;
  for (const Tensor* t : inputs)
    if (*t && (*t)->requires_grad()) return true;
  return false;
}

bool record(Ctx ctx, const Tensor& out, Node* node, std::initializer_list<const Tensor*> inputs) {
  auto owned = Ptr<Node>::adopt(node);
  if (!any_requires_grad(ctx, inputs)) return false;
  for (const Tensor* t : inputs) {
    if (*t && (*t)->requires_grad())
      node->next.push_back(gradient_edge(*t));
    else
      node->next.push_back(Edge{});
  }
  node->seq = g_seq.fetch_add(1, std::memory_order_relaxed);
  out->grad_fn = owned;
  out->output_nr = 0;
  return true;
}

}  // namespace nabla
