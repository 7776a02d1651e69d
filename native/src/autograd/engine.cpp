// The reverse sweep. Like PyTorch's engine: count, for every node reachable from the roots, how
// many edges point at it; a node runs once all of its gradient inputs have arrived (count 0).
// Among ready nodes the most recently created runs first, which keeps memory low on chains.
//
// Note [autograd.grad]: with options.inputs set, the gradient arriving at each input's edge (a
// leaf's AccumulateGrad, a non-leaf's grad_fn and output_nr) is captured instead of written to
// .grad, and only nodes from which some captured edge is reachable run. A node that leads to a
// captured edge has only such nodes above it, so skipping the others never starves a needed node.
#include <cmath>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/callback.h"
#include "autograd/node.h"
#include "ops/ops.h"

namespace nabla {

namespace {

struct Pending {
  Grads grads;  // one slot per forward output of the node
  int64_t deps = 0;
  bool needed = true;  // runs its backward (always, unless autograd.grad prunes it)
};

struct LaterFirst {
  bool operator()(const Node* a, const Node* b) const { return a->seq < b->seq; }
};

struct Capture {
  Node* fn;
  uint32_t nr;
  size_t input;  // index into options.inputs
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

// Tensor hooks: a non-leaf's live on its grad_fn (per output), a leaf's on the tensor.
void run_pre_hooks(Node* node, Grads& in, int32_t flags) {
  for (auto& [nr, id] : node->pre_hooks) {
    if (nr >= in.size() || !in[nr]) continue;
    run_hooks({id}, in[nr], flags, "backward");
  }
  TensorImpl* leaf = node->accumulates_into();
  if (leaf && leaf->hooks && !leaf->hooks->pre.empty() && in.size() > 0 && in[0])
    run_hooks(leaf->hooks->pre, in[0], flags, "backward");
}

void run_post_accumulate_hooks(Node* node, int32_t flags) {
  TensorImpl* leaf = node->accumulates_into();
  if (!leaf || !leaf->hooks || leaf->hooks->post.empty()) return;
  Tensor t = Tensor::borrow(leaf);
  for (int64_t id : std::vector<int64_t>(leaf->hooks->post))
    invoke_callback(NB_CB_POST_ACCUMULATE, id, flags, &t, 1, nullptr, 0, "backward");
}

// Anomaly mode: PyTorch's check that a backward function returned no nan (and here, no inf).
template <class T>
const char* bad_values(const Tensor& g) {
  Tensor c = contiguous(g, Ctx{});
  const T* p = c->data<T>();
  bool inf = false;
  for (int64_t i = 0, n = c->numel(); i < n; ++i) {
    if (std::isnan(p[i])) return "nan";
    if (std::isinf(p[i])) inf = true;
  }
  return inf ? "inf" : nullptr;
}

void check_anomaly(const Node* node, const Grads& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const Tensor& g = out[i];
    if (!g) continue;
    const char* bad = nullptr;
    if (g->dtype == DType::F32) bad = bad_values<float>(g);
    else if (g->dtype == DType::F64) bad = bad_values<double>(g);
    if (!bad) continue;
    std::string msg = std::string("Function '") + node->name() + "' returned " + bad +
                      " values in its " + std::to_string(i) + "th output.";
    if (node->anomaly_trace)
      msg += "\nTraceback of forward call that caused the error:\n" + *node->anomaly_trace;
    else
      msg += " (No forward trace was recorded: run the forward pass in anomaly mode too.)";
    fail_state(msg);
  }
}

}  // namespace

std::vector<Tensor> run_backward(const std::vector<Tensor>& roots,
                                 const std::vector<Tensor>& grad_roots, const BackwardOptions& o) {
  Ctx ctx{o.create_graph};
  int32_t hook_flags = (o.create_graph ? NB_GRAD : 0) | (o.anomaly ? NB_ANOMALY : 0);
  std::unordered_map<Node*, Pending> pending;
  std::vector<Ptr<Node>> keep;  // roots' and inputs' nodes stay alive through the sweep

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

  // autograd.grad: what to capture, and which nodes lead there. See Note [autograd.grad].
  std::vector<Capture> captures;
  std::vector<Tensor> results;
  std::unordered_set<Node*> capture_nodes;
  if (o.inputs) {
    results.resize(o.inputs->size());
    for (size_t i = 0; i < o.inputs->size(); ++i) {
      Edge e = gradient_edge((*o.inputs)[i]);
      keep.push_back(e.fn);
      captures.push_back(Capture{e.fn.get(), e.input_nr, i});
      capture_nodes.insert(e.fn.get());
    }
    // needed(n) = some edge of n points at a capture node or at a needed node. Iterative post-order.
    std::unordered_map<Node*, int> state;  // 1: on the stack, 2: done
    for (auto& kv : pending) kv.second.needed = false;
    for (auto& kv : pending) {
      if (state[kv.first] == 2) continue;
      std::vector<std::pair<Node*, size_t>> st{{kv.first, 0}};
      state[kv.first] = 1;
      while (!st.empty()) {
        auto& [n, k] = st.back();
        if (k < n->next.size()) {
          Node* c = n->next[k++].fn.get();
          if (c && state[c] == 0) {
            state[c] = 1;
            st.emplace_back(c, 0);
          }
          continue;
        }
        bool need = false;
        for (Edge& e : n->next)
          if (e.fn && (capture_nodes.count(e.fn.get()) || pending[e.fn.get()].needed)) need = true;
        pending[n].needed = need;
        state[n] = 2;
        st.pop_back();
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
    Pending& pn = pending[node];
    Grads in = std::move(pn.grads);
    bool needed = pn.needed;
    if (in.size() < node->num_outputs()) in.resize(node->num_outputs());
    bool captured = o.inputs && capture_nodes.count(node);
    if (needed || captured) run_pre_hooks(node, in, hook_flags);
    if (captured) {
      for (const Capture& c : captures)
        if (c.fn == node && c.nr < in.size() && in[c.nr]) results[c.input] = in[c.nr];
    }
    if (!needed) continue;
    feed_retainers(node, in, ctx);
    bool any = false;
    for (const Tensor& g : in) any = any || static_cast<bool>(g);
    Grads out = any ? node->apply(in, ctx) : Grads{};
    in.clear();
    if (any) run_post_accumulate_hooks(node, hook_flags);
    if (o.anomaly) check_anomaly(node, out);
    if (!o.retain_graph) {
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

  if (o.inputs && !o.allow_unused) {
    for (size_t i = 0; i < results.size(); ++i)
      if (!results[i])
        fail_state(
            "One of the differentiated Tensors appears to not have been used in the graph. Set "
            "allowUnused=true if this is the desired behavior. (input " + std::to_string(i) +
            ", shape " + shape_of((*o.inputs)[i]) + ")");
  }
  // Without create_graph a captured gradient may still be a root gradient the caller passed in
  // or part of a graph; hand out plain tensors.
  return results;
}

}  // namespace nabla
