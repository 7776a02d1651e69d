// Note [deferred elementwise ops]: a chain like relu(a*b + c) on tensors larger than the last-level
// cache costs three passes over memory when each op runs at once (two of them writing and re-reading
// an intermediate that cannot stay cached). Such an op, when it records no graph, returns a tensor
// whose values are not computed yet: it holds the expression (up to kFuseNodes ops over up to
// kFuseLeaves computed, contiguous tensors of its shape and dtype). The first access to its values
// (TensorImpl::data_ptr, a view of it, nb_tensor_data) computes the whole expression in one pass, in
// L1-sized blocks, with the same float operations in the same order as the eager ops, so the values
// are bit for bit the eager ones.
//
// What keeps it correct:
// - The leaves are kept alive by the expression, so nothing can free them.
// - Every in-place write (TensorImpl::prepare_write) first computes the pending results that read
//   the written storage; as a check, computing one refuses a leaf whose version moved on.
// - A storage whose address went out for writing (nb_tensor_data: a Java MemorySegment) is never
//   read by a deferred op, since writes through it are invisible to the core.
// - A deferred result is computed at most once, under one mutex; the tensors are large (see
//   fuse_threshold_bytes), so the lock is rare and uncontended.
#pragma once
#include <atomic>

#include "ops/ops.h"

namespace nabla {

enum class FuseOp : uint8_t { Add, Sub, Mul, Div, AddScalar, MulScalar, Relu };

constexpr int kFuseNodes = 12;
constexpr int kFuseLeaves = 6;

// Results of at least this many bytes are deferred: the last-level cache's size, or NABLA_FUSE_BYTES
// when set (0 turns deferral off; the test suite sets it small to defer nearly every op).
int64_t fuse_threshold_bytes();

namespace detail {
// fuse_threshold_bytes(), or -1 before its first call.
extern std::atomic<int64_t> g_fuse_bytes;
}  // namespace detail

// Whether an op on a may be deferred at all: a's storage is at least the threshold. Inline, as every
// elementwise op on small tensors asks it (W2's 2x2 add); the storage holds at least a's elements.
inline bool may_defer(const TensorImpl& a) {
  int64_t t = detail::g_fuse_bytes.load(std::memory_order_relaxed);
  if (__builtin_expect(t < 0, 0)) t = fuse_threshold_bytes();
  return t > 0 && a.storage->nbytes() >= t;
}

// The deferred result of op on a (and b for a binary op, s for a scalar one), or null when the op must
// run at once: it records a graph, the dtype is not float32/float64, the operands differ in shape or
// are not contiguous, the result is under the threshold, or an operand's memory went out for writing.
// Call it where may_defer(*a).
Tensor defer_elementwise(FuseOp op, const Tensor& a, const Tensor* b, double s, Ctx ctx);

// Marks t's storage as written from outside (nb_tensor_data) after computing what reads it.
void export_storage(const TensorImpl& t);

// How many results wait to be computed (tests).
int64_t pending_lazy_count();

}  // namespace nabla
