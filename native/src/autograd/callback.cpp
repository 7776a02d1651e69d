#include "autograd/callback.h"

#include <atomic>
#include <vector>

namespace nabla {

namespace {

using CallbackFn = int32_t (*)(int32_t kind, int64_t id, int32_t flags, nb_tensor* const* in,
                               int32_t n_in, nb_tensor** out, int32_t n_out);

// Note [the callback pointer]: process-wide, set once when the Java side loads the library (an FFM
// upcall stub). It is configuration, like the op registry, not per-call state.
std::atomic<CallbackFn> g_callback{nullptr};

}  // namespace

void set_callback(intptr_t fn) { g_callback.store(reinterpret_cast<CallbackFn>(fn)); }
bool has_callback() { return g_callback.load() != nullptr; }

void invoke_callback(int32_t kind, int64_t id, int32_t flags, const Tensor* in, int32_t n_in,
                     Tensor* out, int32_t n_out, const char* what) {
  CallbackFn fn = g_callback.load();
  if (!fn) throw CallbackError(std::string(what) + ": no callback is set (nb_set_callback)");
  std::vector<nb_tensor*> ins(static_cast<size_t>(n_in), nullptr);
  for (int32_t i = 0; i < n_in; ++i) ins[i] = reinterpret_cast<nb_tensor*>(in[i].get());
  std::vector<nb_tensor*> outs(static_cast<size_t>(n_out), nullptr);
  int32_t rc = fn(kind, id, flags, ins.data(), n_in, outs.data(), n_out);
  // Adopt what came back even on failure, so that nothing leaks.
  for (int32_t i = 0; i < n_out; ++i)
    out[i] = Tensor::adopt(reinterpret_cast<TensorImpl*>(outs[i]));
  if (rc != 0)
    throw CallbackError(std::string(what) + ": the callback failed (code " + std::to_string(rc) +
                        "); the caller holds its exception");
}

void release_callback(int32_t kind, int64_t id) noexcept {
  CallbackFn fn = g_callback.load();
  if (fn) fn(kind, id, 0, nullptr, 0, nullptr, 0);
}

void run_hooks(const std::vector<int64_t>& ids, Tensor& g, int32_t flags, const char* what) {
  for (int64_t id : ids) {
    if (!g) return;
    Tensor r;
    invoke_callback(NB_CB_TENSOR_HOOK, id, flags, &g, 1, &r, 1, what);
    if (r) {
      if (r->shape != g->shape)
        fail_shape(std::string("hook: the hook of a gradient of shape ") + shape_of(g) +
                   " returned a tensor of shape " + shape_of(r) + "; a hook must keep the shape");
      g = std::move(r);
    }
  }
}

void free_tensor_hooks(TensorHooks* h) {
  for (int64_t id : h->pre) release_callback(NB_CB_RELEASE, id);
  for (int64_t id : h->post) release_callback(NB_CB_RELEASE, id);
  delete h;
}

Node::~Node() {
  for (auto& [nr, id] : pre_hooks) release_callback(NB_CB_RELEASE, id);
}

}  // namespace nabla
