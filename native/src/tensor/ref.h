// Intrusive reference counting: one atomic counter inside the object, so a handle handed across
// the C ABI is just the object's address, and taking a reference is one atomic increment.
#pragma once
#include <atomic>
#include <cstdint>
#include <utility>

namespace nabla {

class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;
  virtual ~RefCounted() = default;
  void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  int64_t ref_count() const { return refs_.load(std::memory_order_relaxed); }

 private:
  mutable std::atomic<int64_t> refs_{1};
};

// A counted pointer. Ptr<T>::adopt takes over the reference a `new T` starts with.
template <class T>
class Ptr {
 public:
  Ptr() = default;
  Ptr(std::nullptr_t) {}
  static Ptr adopt(T* p) {
    Ptr r;
    r.p_ = p;
    return r;
  }
  static Ptr borrow(T* p) {
    if (p) p->retain();
    return adopt(p);
  }
  Ptr(const Ptr& o) : p_(o.p_) {
    if (p_) p_->retain();
  }
  template <class U>
  Ptr(const Ptr<U>& o) : p_(o.get()) {
    if (p_) p_->retain();
  }
  Ptr(Ptr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Ptr& operator=(Ptr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Ptr() {
    if (p_) p_->release();
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  bool operator==(const Ptr& o) const { return p_ == o.p_; }
  bool operator!=(const Ptr& o) const { return p_ != o.p_; }
  // Hands the reference to the caller (the C ABI's "caller frees").
  T* leak() {
    T* p = p_;
    p_ = nullptr;
    return p;
  }

 private:
  T* p_ = nullptr;
};

template <class T, class... Args>
Ptr<T> make(Args&&... args) {
  return Ptr<T>::adopt(new T(std::forward<Args>(args)...));
}

}  // namespace nabla
