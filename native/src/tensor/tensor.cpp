#include "tensor/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "autograd/node.h"

namespace nabla {

namespace {
std::atomic<int64_t> g_live{0};
constexpr size_t kAlign = 64;
}  // namespace

int64_t live_tensors() { return g_live.load(); }

std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(d[i]);
  }
  return s + "]";
}

Dims contiguous_strides(const Dims& shape) {
  Dims s(shape.size(), 1);
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i] > 1 ? shape[i] : 1;
  }
  return s;
}

// ---- the storage allocator ----
//
// Buffers above kCacheMin bytes come from a cache of freed buffers, in size classes of four per
// power of two (at most 25% slack): a fresh output of a loop (W3, a training step) reuses the
// buffer the previous iteration freed, instead of paying mmap, page faults and the kernel's zeroing
// again (glibc serves buffers of 32 MiB and more with mmap and returns them on free). Smaller ones
// go to malloc, whose per-thread tcache already caches them. The cache holds at most `limit` bytes
// (NABLA_CACHE_LIMIT_MB, default 1 GiB; 0 disables it); nb_empty_cache returns everything, and so
// does an allocation that fails, before it retries. Sanitizer builds never cache, so that ASan
// still sees a use after free.
namespace {

constexpr size_t kCacheMin = 4096;
constexpr int kClasses = 256;

// The class of a buffer of `bytes` (> kCacheMin): its index and its rounded size.
int size_class(size_t bytes, size_t& rounded) {
  const int e = 63 - __builtin_clzll(bytes);  // 2^e <= bytes < 2^(e+1)
  const size_t step = size_t{1} << (e - 2);
  const size_t q = (bytes + step - 1) / step;  // 4..8
  rounded = q * step;
  return e * 4 + static_cast<int>(q - 4);
}

size_t default_limit() {
  if (const char* v = std::getenv("NABLA_CACHE_LIMIT_MB")) return static_cast<size_t>(std::atoll(v)) << 20;
  return size_t{1} << 30;
}

class StorageCache {
 public:
  // Leaked on purpose: storages freed during static destruction still find it.
  static StorageCache& get() {
    static StorageCache* c = new StorageCache;
    return *c;
  }

  void* take(int cls) {
    std::lock_guard<std::mutex> lk(m_);
    auto& list = lists_[cls];
    if (list.empty()) return nullptr;
    void* p = list.back().first;
    cached_ -= list.back().second;
    list.pop_back();
    return p;
  }

  // False when the cache is full (or off): the caller frees p.
  bool give(void* p, int cls, size_t bytes) {
    std::lock_guard<std::mutex> lk(m_);
    if (cached_ + bytes > limit_) return false;
    lists_[cls].emplace_back(p, bytes);
    cached_ += bytes;
    return true;
  }

  void empty() {
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lk(m_);
      for (auto& list : lists_) {
        for (auto& e : list) drop.push_back(e.first);
        list.clear();
        list.shrink_to_fit();
      }
      cached_ = 0;
    }
    for (void* p : drop) std::free(p);
  }

  size_t cached() {
    std::lock_guard<std::mutex> lk(m_);
    return cached_;
  }

 private:
  std::mutex m_;
  std::vector<std::pair<void*, size_t>> lists_[kClasses];
  size_t cached_ = 0;
#ifdef NABLA_SANITIZE
  size_t limit_ = 0;
#else
  size_t limit_ = default_limit();
#endif
};

}  // namespace

void empty_storage_cache() { StorageCache::get().empty(); }
int64_t cached_storage_bytes() { return static_cast<int64_t>(StorageCache::get().cached()); }

// A buffer of 4 MiB and more is aligned to 2 MiB and asks for transparent huge pages (where the
// kernel grants them on request, THP "madvise"): streaming over 64 MiB operands then takes a TLB
// miss per 2 MiB instead of per 4 KiB. The caching allocator keeps such buffers, so the cost of
// the huge pages' first touch is paid once.
void* fresh_buffer(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  if (bytes < 2 * kHuge) return std::aligned_alloc(kAlign, bytes);
  const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (p) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
  return p;
}

// The header rounded up to malloc's alignment: a small storage's data starts there.
constexpr size_t kHeaderBytes = (sizeof(Storage) + 15) / 16 * 16;

void* Storage::operator new(size_t size) {
  void* p = std::malloc(size);
  if (!p) throw std::bad_alloc();
  return p;
}
void* Storage::operator new(size_t size, WithData, size_t data_bytes) {
  void* p = std::malloc(kHeaderBytes + data_bytes);
  if (!p) throw std::bad_alloc();
  return p;
}
void Storage::operator delete(void* p) { std::free(p); }
void Storage::operator delete(void* p, WithData, size_t) { std::free(p); }

Ptr<Storage> Storage::create(int64_t nbytes) {
  size_t bytes = static_cast<size_t>(nbytes > 0 ? nbytes : 1);
  void* data;
  int cls = -1;
#ifndef NABLA_SANITIZE
  // A tiny tensor (a loss, a 2x2 in W2) takes one malloc for header and data, not two. (Sanitized
  // builds keep separate blocks, so that ASan bounds each buffer exactly.)
  if (bytes <= 64) {
    Storage* s = new (WithData{}, bytes) Storage(nullptr, nbytes, -2);
    s->data_ = reinterpret_cast<char*>(s) + kHeaderBytes;
    return Ptr<Storage>::adopt(s);
  }
#endif
  if (bytes <= 256) {
    // Small buffers skip the aligned allocator: malloc's 16 bytes suffice for them, and it is faster.
    data = std::malloc(bytes);
  } else if (bytes <= kCacheMin) {
    bytes = (bytes + kAlign - 1) / kAlign * kAlign;
    data = std::aligned_alloc(kAlign, bytes);
  } else {
    cls = size_class(bytes, bytes);
    data = StorageCache::get().take(cls);
    if (!data) data = fresh_buffer(bytes);
    if (!data) {  // under pressure: give the cache back to the system and try again
      StorageCache::get().empty();
      data = fresh_buffer(bytes);
    }
  }
  if (!data) throw Error(NB_ERR_MEMORY, "out of memory allocating " + std::to_string(nbytes) + " bytes");
  return Ptr<Storage>::adopt(new Storage(data, nbytes, cls));
}

Storage::~Storage() {
  if (cls_ == -2) return;  // the data goes with the block
  if (cls_ >= 0) {
    size_t rounded;
    size_class(static_cast<size_t>(nbytes_), rounded);
    if (StorageCache::get().give(data_, cls_, rounded)) return;
  }
  std::free(data_);
}

TensorImpl::TensorImpl(Ptr<Storage> st, Dims sh, Dims str, int64_t off, DType dt)
    : storage(std::move(st)), shape(std::move(sh)), strides(std::move(str)), offset(off), dtype(dt) {
  g_live.fetch_add(1, std::memory_order_relaxed);
}

TensorImpl::~TensorImpl() {
  if (lazy.load(std::memory_order_acquire)) drop_lazy(*this);
  if (retains_grad && grad_fn) grad_fn->forget_retainer(this);
  if (hooks) free_tensor_hooks(hooks);
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

Tensor empty(const Dims& shape, DType dtype) {
  for (int64_t s : shape)
    if (s < 0) fail_arg("empty: negative dimension in shape " + dims_str(shape));
  int64_t n = dims_numel(shape);
  auto st = Storage::create(n * static_cast<int64_t>(dtype_size(dtype)));
  return make<TensorImpl>(std::move(st), shape, contiguous_strides(shape), 0, dtype);
}

Tensor alias_with(const Tensor& a, Dims shape, Dims strides, int64_t offset) {
  // A view reads the storage without data_ptr: the values must be there first.
  if (a->lazy.load(std::memory_order_acquire)) materialize_lazy(*a);
  return make<TensorImpl>(a->storage, std::move(shape), std::move(strides), offset, a->dtype);
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = ndim > 0 ? ndim : 1;
  if (dim < -n || dim >= n)
    fail_arg(std::string(op) + ": dimension out of range (expected to be in range of [" +
             std::to_string(-n) + ", " + std::to_string(n - 1) + "], but got " +
             std::to_string(dim) + ")");
  return dim < 0 ? dim + n : dim;
}

}  // namespace nabla
