// The C ABI of graph inspection: read-only walks over grad_fn nodes, for graph export (torchviz).
// An nb_node* is the address of a Node holding one counted reference for the caller.
#include "autograd/node.h"
#include "capi/status.h"
#include "nabla.h"

using namespace nabla;

namespace {

Node* node(const nb_node* n) { return reinterpret_cast<Node*>(const_cast<nb_node*>(n)); }

nb_node* give_node(Node* n) {
  if (!n) return nullptr;
  n->retain();
  return reinterpret_cast<nb_node*>(n);
}

}  // namespace

extern "C" {

nb_node* nb_tensor_grad_fn_node(const nb_tensor* t) {
  return t ? give_node(capi::impl(t)->grad_fn.get()) : nullptr;
}

void nb_node_free(nb_node* n) {
  if (n) node(n)->release();
}

const char* nb_node_name(const nb_node* n) { return n ? node(n)->name() : nullptr; }

intptr_t nb_node_id(const nb_node* n) { return reinterpret_cast<intptr_t>(n); }

int32_t nb_node_num_next(const nb_node* n) {
  return n ? static_cast<int32_t>(node(n)->next.size()) : 0;
}

nb_node* nb_node_next(const nb_node* n, int32_t i, int32_t* input_nr) {
  if (!n || i < 0 || static_cast<size_t>(i) >= node(n)->next.size()) return nullptr;
  const Edge& e = node(n)->next[static_cast<size_t>(i)];
  if (input_nr) *input_nr = static_cast<int32_t>(e.input_nr);
  return give_node(e.fn.get());
}

nb_tensor* nb_node_variable(const nb_node* n) {
  if (!n) return nullptr;
  // Note: AccumulateGrad is the only node that holds a leaf; a dynamic_cast keeps node.h untouched.
  auto* acc = dynamic_cast<AccumulateGrad*>(node(n));
  if (!acc || !acc->variable) return nullptr;
  return capi::give(acc->variable);
}

int32_t nb_node_num_saved(const nb_node* n) {
  return n ? static_cast<int32_t>(node(n)->saved_list.size()) : 0;
}

nb_tensor* nb_node_saved(const nb_node* n, int32_t i) {
  if (!n || i < 0 || i >= nb_node_num_saved(n)) return nullptr;
  const Tensor& t = node(n)->saved_list[static_cast<size_t>(i)]->peek();
  return t ? capi::give(t) : nullptr;
}

}  // extern "C"
