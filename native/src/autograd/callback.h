// Callbacks into the embedding language (Java): tensor hooks and custom Functions live there, and
// the native graph refers to them by an id. One function pointer, set once at load with
// nb_set_callback, receives every call; its signature and kinds are NB_CB_* in nabla.h.
#pragma once
#include <cstdint>

#include "autograd/node.h"

namespace nabla {

// Thrown when the callback reports a failure; the caller of the C ABI holds the real exception.
struct CallbackError : Error {
  explicit CallbackError(const std::string& msg) : Error(NB_ERR_CALLBACK, msg) {}
};

void set_callback(intptr_t fn);
bool has_callback();

// Calls the callback with borrowed `in` tensors; writes new references (or undefined) to `out`.
// Throws CallbackError when it fails, or when no callback is set. `what` names the caller.
void invoke_callback(int32_t kind, int64_t id, int32_t flags, const Tensor* in, int32_t n_in,
                     Tensor* out, int32_t n_out, const char* what);
// For destructors: tells the callback that `id` is gone; never throws.
void release_callback(int32_t kind, int64_t id) noexcept;

// Runs tensor pre hooks on `g` in order; a hook that returns a tensor replaces g.
void run_hooks(const std::vector<int64_t>& ids, Tensor& g, int32_t flags, const char* what);

}  // namespace nabla
