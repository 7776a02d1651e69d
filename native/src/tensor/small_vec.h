// A vector with inline storage: shapes, strides and node edges are tiny, and a heap allocation per
// tensor for each of them would dominate the cost of an op on a 2x2 tensor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace nabla {

template <class T, size_t N>
class SmallVec {
 public:
  SmallVec() = default;
  explicit SmallVec(size_t n, const T& v = T()) { resize(n, v); }
  SmallVec(std::initializer_list<T> init) {
    for (const T& v : init) push_back(v);
  }
  template <class It>
  SmallVec(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }
  SmallVec(const SmallVec& o) {
    if (!copy_inline(o))
      for (const T& v : o) push_back(v);
  }
  SmallVec(SmallVec&& o) noexcept { take(std::move(o)); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      clear();
      if (!copy_inline(o))
        for (const T& v : o) push_back(v);
    }
    return *this;
  }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      destroy();
      take(std::move(o));
    }
    return *this;
  }
  ~SmallVec() { destroy(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return ptr(); }
  const T* data() const { return ptr(); }
  T& operator[](size_t i) { return ptr()[i]; }
  const T& operator[](size_t i) const { return ptr()[i]; }
  T* begin() { return ptr(); }
  T* end() { return ptr() + size_; }
  const T* begin() const { return ptr(); }
  const T* end() const { return ptr() + size_; }
  T& back() { return ptr()[size_ - 1]; }
  const T& back() const { return ptr()[size_ - 1]; }

  void push_back(T v) {
    if (size_ == cap_) grow(cap_ * 2);
    new (ptr() + size_) T(std::move(v));
    ++size_;
  }
  void pop_back() { ptr()[--size_].~T(); }
  void clear() {
    for (size_t i = 0; i < size_; ++i) ptr()[i].~T();
    size_ = 0;
  }
  void resize(size_t n, const T& v = T()) {
    while (size_ > n) pop_back();
    if (n > cap_) grow(n);
    while (size_ < n) push_back(v);
  }
  void insert_at(size_t pos, T v) {
    push_back(v);
    for (size_t i = size_ - 1; i > pos; --i) std::swap(ptr()[i], ptr()[i - 1]);
  }
  void erase_at(size_t pos) {
    for (size_t i = pos; i + 1 < size_; ++i) std::swap(ptr()[i], ptr()[i + 1]);
    pop_back();
  }
  bool operator==(const SmallVec& o) const {
    if (size_ != o.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (!(ptr()[i] == o[i])) return false;
    return true;
  }
  bool operator!=(const SmallVec& o) const { return !(*this == o); }

 private:
  // Shapes and strides are copied with every tensor an op makes: for plain data that fits inline,
  // one memcpy instead of a push_back per element. False when the element-wise path is needed.
  bool copy_inline(const SmallVec& o) {
    if constexpr (std::is_trivially_copyable<T>::value) {
      if (o.size_ <= N && !heap_) {
        if (o.size_) std::memcpy(static_cast<void*>(inline_), o.ptr(), o.size_ * sizeof(T));
        size_ = o.size_;
        return true;
      }
    }
    return false;
  }
  T* ptr() { return heap_ ? heap_ : reinterpret_cast<T*>(inline_); }
  const T* ptr() const { return heap_ ? heap_ : reinterpret_cast<const T*>(inline_); }
  void grow(size_t cap) {
    T* fresh = static_cast<T*>(::operator new(cap * sizeof(T)));
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(ptr()[i]));
      ptr()[i].~T();
    }
    if (heap_) ::operator delete(heap_);
    heap_ = fresh;
    cap_ = cap;
  }
  void destroy() {
    clear();
    if (heap_) ::operator delete(heap_);
    heap_ = nullptr;
    cap_ = N;
  }
  void take(SmallVec&& o) {
    size_ = 0;
    cap_ = N;
    heap_ = nullptr;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      size_ = o.size_;
      o.heap_ = nullptr;
      o.size_ = 0;
      o.cap_ = N;
    } else {
      if (!copy_inline(o))
        for (size_t i = 0; i < o.size_; ++i) push_back(std::move(o.ptr()[i]));
      o.clear();
    }
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* heap_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = N;
};

}  // namespace nabla
