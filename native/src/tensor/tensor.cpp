#include "tensor/tensor.h"

#include <cstdlib>
#include <new>

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

int64_t dims_numel(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
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

Ptr<Storage> Storage::create(int64_t nbytes) {
  size_t bytes = static_cast<size_t>(nbytes > 0 ? nbytes : 1);
  // Small buffers skip the aligned allocator: malloc's 16 bytes suffice for them, and it is faster.
  void* data;
  if (bytes <= 256) {
    data = std::malloc(bytes);
  } else {
    bytes = (bytes + kAlign - 1) / kAlign * kAlign;
    data = std::aligned_alloc(kAlign, bytes);
  }
  if (!data) throw Error(NB_ERR_MEMORY, "out of memory allocating " + std::to_string(nbytes) + " bytes");
  return Ptr<Storage>::adopt(new Storage(data, nbytes));
}

Storage::~Storage() { std::free(data_); }

TensorImpl::TensorImpl(Ptr<Storage> st, Dims sh, Dims str, int64_t off, DType dt)
    : storage(std::move(st)), shape(std::move(sh)), strides(std::move(str)), offset(off), dtype(dt) {
  g_live.fetch_add(1, std::memory_order_relaxed);
}

TensorImpl::~TensorImpl() {
  if (retains_grad && grad_fn) grad_fn->forget_retainer(this);
  if (hooks) free_tensor_hooks(hooks);
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

bool TensorImpl::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

Tensor empty(const Dims& shape, DType dtype) {
  for (int64_t s : shape)
    if (s < 0) fail_arg("empty: negative dimension in shape " + dims_str(shape));
  int64_t n = dims_numel(shape);
  auto st = Storage::create(n * static_cast<int64_t>(dtype_size(dtype)));
  return make<TensorImpl>(std::move(st), shape, contiguous_strides(shape), 0, dtype);
}

Tensor alias_with(const Tensor& a, Dims shape, Dims strides, int64_t offset) {
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
