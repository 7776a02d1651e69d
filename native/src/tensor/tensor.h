// TensorImpl: a strided view over a reference-counted Storage, plus the autograd fields.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "tensor/dtype.h"
#include "tensor/ref.h"
#include "tensor/small_vec.h"

namespace nabla {

using Dims = SmallVec<int64_t, 6>;

std::string dims_str(const Dims& d);  // "[2, 3]"
inline int64_t dims_numel(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}
Dims contiguous_strides(const Dims& shape);

// One allocation holds the header and the data, aligned for SIMD loads.
class Storage : public RefCounted {
 public:
  static Ptr<Storage> create(int64_t nbytes);
  void* data() const { return data_; }
  int64_t nbytes() const { return nbytes_; }
  // Note [version counter]: in-place ops bump it; a tensor saved for backward records it and the
  // reverse sweep refuses a saved tensor whose storage moved on. Views share it through the storage.
  std::atomic<int64_t> version{0};
  ~Storage() override;

  // Storages live in malloc'd blocks; a small one shares its block with its data (create).
  struct WithData {};
  static void* operator new(size_t size);
  static void* operator new(size_t size, WithData, size_t data_bytes);
  static void operator delete(void* p);
  static void operator delete(void* p, WithData, size_t);

 private:
  Storage(void* data, int64_t nbytes, int cls) : data_(data), nbytes_(nbytes), cls_(static_cast<int16_t>(cls)) {}
  void* data_;
  int64_t nbytes_;
  int16_t cls_;  // size class in the storage cache; -1 for a buffer from malloc, -2 for one in this block

 public:
  // Last, so that they fill cls_'s padding and the header stays 48 bytes.
  // Note [deferred elementwise ops] (ops/fuse.h): how many leaves of deferred expressions read this storage, and
  // whether its address was handed out for writing (nb_tensor_data), after which no op defers a read
  // of it, since a write through that pointer would go unseen.
  std::atomic<bool> exported{false};
  std::atomic<int32_t> lazy_readers{0};
};

// The storage cache (tensor.cpp): returns every cached buffer to the system; bytes cached now.
void empty_storage_cache();
int64_t cached_storage_bytes();

struct Node;
struct TensorHooks;
struct LazyExpr;
class TensorImpl;
// ops/fuse.cpp: compute a deferred result; compute every deferred result that reads s; forget the
// deferred result of a tensor that dies unread.
void materialize_lazy(const TensorImpl& t);
void flush_lazy_readers(const Storage& s);
void drop_lazy(TensorImpl& t);

class TensorImpl : public RefCounted {
 public:
  TensorImpl(Ptr<Storage> storage, Dims shape, Dims strides, int64_t offset, DType dtype);
  ~TensorImpl() override;

  Ptr<Storage> storage;
  Dims shape;
  Dims strides;  // in elements
  int64_t offset;  // in elements
  DType dtype;

  // Autograd. A leaf has no grad_fn; a non-leaf's requires_grad is implied by its grad_fn.
  bool requires_grad_ = false;
  bool retains_grad = false;
  bool is_view = false;  // shares storage with a tensor it was derived from by a view op
  Ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  Ptr<TensorImpl> grad;
  // Weak: the AccumulateGrad node of this leaf clears it when it dies (it holds this tensor).
  Node* grad_accumulator = nullptr;
  // Hooks of a leaf (register_hook, register_post_accumulate_grad_hook); null for almost all.
  TensorHooks* hooks = nullptr;
  // A deferred elementwise result (ops/fuse.h): the values are computed on the first access to them.
  mutable std::atomic<LazyExpr*> lazy{nullptr};

  int64_t ndim() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return dims_numel(shape); }
  bool requires_grad() const { return requires_grad_ || grad_fn; }
  bool is_leaf() const { return !grad_fn; }
  // Inline, as numel: every elementwise op asks it of each operand and its result (out of line it
  // was 6% of a 2x2 add through the C ABI).
  bool is_contiguous() const {
    int64_t expected = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      if (shape[i] == 1) continue;
      if (strides[i] != expected) return false;
      expected *= shape[i];
    }
    return true;
  }
  // Every read of the values goes through here, so a deferred result is computed first.
  // Inlined by force: with the call in it GCC kept it out of line, 17 instructions a call on W2's path.
  [[gnu::always_inline]] char* data_ptr() const {
    if (__builtin_expect(lazy.load(std::memory_order_acquire) != nullptr, 0)) materialize_lazy(*this);
    return raw_data_ptr();
  }
  // The address without computing a deferred result: only for the code that computes it.
  char* raw_data_ptr() const {
    return static_cast<char*>(storage->data()) + offset * static_cast<int64_t>(dtype_size(dtype));
  }
  // Every in-place write calls this first: deferred results that read this memory are computed
  // while it still holds the values they saw.
  void prepare_write() const {
    if (storage->lazy_readers.load(std::memory_order_acquire)) flush_lazy_readers(*storage);
  }
  template <class T>
  [[gnu::always_inline]] T* data() const {
    return reinterpret_cast<T*>(data_ptr());
  }
  int64_t version() const { return storage->version.load(std::memory_order_relaxed); }
  void bump_version() { storage->version.fetch_add(1, std::memory_order_relaxed); }
};

using Tensor = Ptr<TensorImpl>;

int64_t live_tensors();

// A fresh, contiguous, uninitialized tensor.
Tensor empty(const Dims& shape, DType dtype);
// A view sharing a's storage (no autograd fields).
Tensor alias_with(const Tensor& a, Dims shape, Dims strides, int64_t offset);
// "[2, 3]"-style description used in messages.
inline std::string shape_of(const Tensor& t) { return dims_str(t->shape); }
// Wraps a possibly negative dim into [0, ndim); names the op in the error.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

}  // namespace nabla
