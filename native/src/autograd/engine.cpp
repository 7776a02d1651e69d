// The reverse sweep. Like PyTorch's engine: count, for every node reachable from the roots, how
// many edges point at it; a node runs once all of its gradient inputs have arrived (count 0).
// Among ready nodes the most recently created runs first, which keeps memory low on chains.
#include <queue>
#include <unordered_map>

#include "autograd/node.h"
#include "ops/ops.h"

namespace nabla {

namespace {

struct Pending {
  Grads grads;  // one slot per forward output of the node
  int64_t deps = 0;
};

struct LaterFirst {
  bool operator()(const Node* a, const Node* b) const { return a->seq < b->seq; }
};

void accumulate(Grads& slots, uint32_t i, Tensor g, Ctx ctx) {
  if (slots.size() <= i) slots.resize(i + 1);
  if (!slots[i])
    slots[i] = std::move(g);
  else
    slots[i] = add(slots[i], g, ctx);
}

// Gradients sent to non-leaf tensors that asked for retain_grad().
void feed_retainers(Node* node, const Grads& grads, Ctx ctx) {
  for (auto& [nr, t] : node->retainers) {
    if (nr >= grads.size() || !grads[nr]) continue;
    if (!t->grad)
      t->grad = ctx.grad ? grads[nr] : clone(grads[nr], Ctx{});
    else if (ctx.grad)
      t->grad = add(t->grad, grads[nr], ctx);
    else
      add_inplace_raw(t->grad, grads[nr], 1.0);
  }
}

}  // namespace

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                  bool retain_graph, bool create_graph) {
  Ctx ctx{create_graph};
  std::unordered_map<Node*, Pending> pending;
  std::vector<Ptr<Node>> keep;  // roots' nodes stay alive through the sweep

  // Dependency counts over everything reachable.
  std::vector<Node*> stack;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    if (!e.fn) continue;
    keep.push_back(e.fn);
    if (pending.find(e.fn.get()) == pending.end()) {
      pending[e.fn.get()];
      stack.push_back(e.fn.get());
    }
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (Edge& e : n->next) {
      if (!e.fn) continue;
      auto it = pending.find(e.fn.get());
      if (it == pending.end()) {
        pending[e.fn.get()].deps = 1;
        stack.push_back(e.fn.get());
      } else {
        it->second.deps++;
      }
    }
  }

  std::priority_queue<Node*, std::vector<Node*>, LaterFirst> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    if (!e.fn) continue;
    accumulate(pending[e.fn.get()].grads, e.input_nr, grad_roots[i], ctx);
  }
  for (auto& kv : pending)
    if (kv.second.deps == 0) ready.push(kv.first);

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    Grads in = std::move(pending[node].grads);
    if (in.size() < node->num_outputs()) in.resize(node->num_outputs());
    feed_retainers(node, in, ctx);
    bool any = false;
    for (const Tensor& g : in) any = any || static_cast<bool>(g);
    Grads out = any ? node->apply(in, ctx) : Grads{};
    in.clear();
    if (!retain_graph) {
      node->release_saved();
      if (node->has_saved) node->saved_released = true;
    }
    for (size_t i = 0; i < node->next.size(); ++i) {
      Edge& e = node->next[i];
      if (!e.fn) continue;
      Pending& p = pending[e.fn.get()];
      if (i < out.size() && out[i]) accumulate(p.grads, e.input_nr, std::move(out[i]), ctx);
      if (--p.deps == 0) ready.push(e.fn.get());
    }
  }
}

}  // namespace nabla
