// Shared by the capi/*.cpp files: the status object, the exception guard and handle helpers.
#pragma once
#include <new>
#include <string>

#include "nabla.h"
#include "tensor/tensor.h"

struct nb_status {
  int32_t code;
  std::string message;
};

namespace nabla {
namespace capi {

// Returned when even a status cannot be allocated; nb_status_free leaves it alone.
extern nb_status g_oom;

inline nb_status* make_status(int32_t code, std::string msg) noexcept {
  try {
    return new nb_status{code, std::move(msg)};
  } catch (...) {
    return &g_oom;
  }
}

// Runs f, turning every exception into a status: nothing throws past the C ABI.
template <class F>
nb_status* guard(const char* fn, F&& f) noexcept {
  try {
    f();
    return nullptr;
  } catch (const Error& e) {
    return make_status(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return make_status(NB_ERR_MEMORY, std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return make_status(NB_ERR_INTERNAL, std::string(fn) + ": internal error: " + e.what());
  } catch (...) {
    return make_status(NB_ERR_INTERNAL, std::string(fn) + ": internal error");
  }
}

inline TensorImpl* impl(const nb_tensor* t) {
  return reinterpret_cast<TensorImpl*>(const_cast<nb_tensor*>(t));
}

// A borrowed handle seen as a Tensor for the duration of the call, without touching its count:
// the caller holds its reference until the call returns (the ABI's rule for inputs), so the
// increment and decrement a counted copy would make (two atomics per operand, a tenth of a small
// op) buy nothing. Whatever keeps the tensor beyond the call copies the Tensor, which counts.
class Borrowed {
 public:
  explicit Borrowed(TensorImpl* p) : t_(Tensor::adopt(p)) {}
  ~Borrowed() { t_.leak(); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  operator const Tensor&() const { return t_; }
  const Tensor& get() const { return t_; }
  TensorImpl* operator->() const { return t_.get(); }

 private:
  Tensor t_;
};

inline Borrowed arg(const nb_tensor* t, const char* fn, const char* name) {
  if (!t) fail_arg(std::string(fn) + ": argument '" + name + "' is NULL");
  return Borrowed(impl(t));
}

// Hands the reference to the caller.
inline nb_tensor* give(Tensor t) { return reinterpret_cast<nb_tensor*>(t.leak()); }

inline void check_out(void* out, const char* fn) {
  if (!out) fail_arg(std::string(fn) + ": out-parameter is NULL");
}

inline Dims to_dims(const int64_t* shape, int32_t ndim, const char* fn) {
  if (ndim < 0 || ndim > 64)
    fail_arg(std::string(fn) + ": ndim must be in [0, 64], got " + std::to_string(ndim));
  if (ndim > 0 && !shape) fail_arg(std::string(fn) + ": shape is NULL");
  return Dims(shape, shape + ndim);
}

}  // namespace capi
}  // namespace nabla
