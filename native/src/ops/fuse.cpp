// Deferred elementwise results, Note [deferred elementwise ops] in ops/fuse.h.
#include "ops/fuse.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/stream.h"

namespace nabla {

namespace {
constexpr int8_t kLeaf = -1;

// A leaf reads leaves[a]; an op node combines the earlier nodes a (and b), or a and the scalar s.
struct FuseNode {
  int8_t op;
  uint8_t a, b;
  double s;
};
}  // namespace

struct LazyExpr {
  const TensorImpl* owner = nullptr;
  LazyExpr* prev = nullptr;
  LazyExpr* next = nullptr;
  Tensor leaves[kFuseLeaves];
  int64_t versions[kFuseLeaves] = {};
  int n_leaves = 0;
  FuseNode nodes[kFuseNodes] = {};  // in evaluation order; the last is the result
  int n_nodes = 0;

  bool reads(const Storage* s) const {
    for (int i = 0; i < n_leaves; ++i)
      if (leaves[i]->storage.get() == s) return true;
    return false;
  }
  // Each leaf's storage counts e in lazy_readers from leaf_index on (an expression that is never linked
  // only makes a later writer look through the list for nothing).
  ~LazyExpr() {
    for (int i = 0; i < n_leaves; ++i) leaves[i]->storage->lazy_readers.fetch_sub(1, std::memory_order_acq_rel);
  }
};

namespace {

// Guards the list of pending results and every computation of one.
std::mutex g_mu;
LazyExpr* g_head = nullptr;
int64_t g_count = 0;

using Done = std::vector<std::unique_ptr<LazyExpr>>;  // freed after g_mu is released

void link(LazyExpr* e) {
  e->next = g_head;
  if (g_head) g_head->prev = e;
  g_head = e;
  ++g_count;
}

void unlink(LazyExpr* e) {
  if (e->prev) e->prev->next = e->next;
  else g_head = e->next;
  if (e->next) e->next->prev = e->prev;
  e->prev = e->next = nullptr;
  --g_count;
}

// ---- evaluation ----

template <class T>
void apply(const FuseNode& n, const T* __restrict x, const T* __restrict y, int64_t m, T* __restrict o) {
  const T s = static_cast<T>(n.s);
  switch (static_cast<FuseOp>(n.op)) {
    case FuseOp::Add:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] + y[i];
      break;
    case FuseOp::Sub:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] - y[i];
      break;
    case FuseOp::Mul:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] * y[i];
      break;
    case FuseOp::Div:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] / y[i];
      break;
    case FuseOp::AddScalar:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] + s;
      break;
    case FuseOp::MulScalar:
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] * s;
      break;
    case FuseOp::Relu:  // as relu in unary.cpp: NaN and -0.0 pass through
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) o[i] = x[i] < 0 ? T(0) : x[i];
      break;
  }
}

// Elements [i0, i0 + n) of the result to dst, in sub-blocks whose intermediates stay in L1.
template <class T>
void eval_range(const LazyExpr& e, const T* const* leaf, int64_t i0, int64_t n, T* dst) {
  constexpr int64_t kSub = 512;
  alignas(64) T tmp[kFuseNodes][kSub];
  const T* v[kFuseNodes];
  for (int64_t j = 0; j < n; j += kSub) {
    const int64_t m = std::min(kSub, n - j);
    for (int k = 0; k < e.n_nodes; ++k) {
      const FuseNode& nd = e.nodes[k];
      if (nd.op == kLeaf) {  // read in place; never the last node: build() ends every expression with an op
        v[k] = leaf[nd.a] + i0 + j;
        continue;
      }
      T* o = k == e.n_nodes - 1 ? dst + j : tmp[k];
      apply<T>(nd, v[nd.a], v[nd.b], m, o);
      v[k] = o;
    }
  }
}

template <class T>
void run(const LazyExpr& e, T* out, int64_t n) {
  const T* leaf[kFuseLeaves] = {};
  for (int i = 0; i < e.n_leaves; ++i) leaf[i] = e.leaves[i]->data<T>();
  const LazyExpr* ep = &e;
  fill_output(out, n, [ep, leaf](int64_t i0, int64_t cnt, T* dst) { eval_range<T>(*ep, leaf, i0, cnt, dst); });
}

// Computes t's values (g_mu held) and hands back its expression, to be freed once g_mu is released.
std::unique_ptr<LazyExpr> evaluate_locked(const TensorImpl& t, LazyExpr* e) {
  for (int i = 0; i < e->n_leaves; ++i)
    if (e->leaves[i]->version() != e->versions[i])
      fail_state("internal error: an operand of a deferred elementwise op of shape " + dims_str(t.shape) +
                 " was modified in place before the result was computed");
  NB_DISPATCH_FLOAT(t.dtype, "deferred elementwise op",
                    [&] { run<scalar_t>(*e, reinterpret_cast<scalar_t*>(t.raw_data_ptr()), t.numel()); });
  unlink(e);
  t.lazy.store(nullptr, std::memory_order_release);
  return std::unique_ptr<LazyExpr>(e);
}

// ---- building ----

int leaf_index(LazyExpr& e, const Tensor& t, int64_t version) {
  for (int i = 0; i < e.n_leaves; ++i)
    if (e.leaves[i].get() == t.get()) return i;
  if (e.n_leaves == kFuseLeaves) return -1;
  e.leaves[e.n_leaves] = t;
  e.versions[e.n_leaves] = version;
  t->storage->lazy_readers.fetch_add(1, std::memory_order_acq_rel);
  return e.n_leaves++;
}

// Appends t's value to e (t's own expression when t is pending, else t as a leaf); its node, or -1
// when e is full.
int append(LazyExpr& e, const Tensor& t) {
  const LazyExpr* src = t->lazy.load(std::memory_order_acquire);
  if (!src) {
    if (e.n_nodes == kFuseNodes) return -1;
    int l = leaf_index(e, t, t->version());
    if (l < 0) return -1;
    e.nodes[e.n_nodes] = FuseNode{kLeaf, static_cast<uint8_t>(l), 0, 0.0};
    return e.n_nodes++;
  }
  if (e.n_nodes + src->n_nodes > kFuseNodes) return -1;
  const int base = e.n_nodes;
  for (int k = 0; k < src->n_nodes; ++k) {
    FuseNode n = src->nodes[k];
    if (n.op == kLeaf) {
      int l = leaf_index(e, src->leaves[n.a], src->versions[n.a]);
      if (l < 0) return -1;
      n.a = static_cast<uint8_t>(l);
    } else {
      n.a = static_cast<uint8_t>(n.a + base);
      n.b = static_cast<uint8_t>(n.b + base);
    }
    e.nodes[e.n_nodes++] = n;
  }
  return e.n_nodes - 1;
}

bool build(LazyExpr& e, FuseOp op, const Tensor& a, const Tensor* b, double s) {
  int ia = append(e, a);
  if (ia < 0) return false;
  int ib = b ? append(e, *b) : ia;
  if (ib < 0 || e.n_nodes == kFuseNodes) return false;
  e.nodes[e.n_nodes++] = FuseNode{static_cast<int8_t>(op), static_cast<uint8_t>(ia), static_cast<uint8_t>(ib), s};
  return true;
}

bool fusable(const Tensor& t, DType d, const Dims& shape) {
  return t->dtype == d && t->shape == shape && t->is_contiguous() &&
         !t->storage->exported.load(std::memory_order_acquire);
}

}  // namespace

int64_t fuse_threshold_bytes() {
  static const int64_t bytes = [] {
    const int64_t v = bytes_from_env("NABLA_FUSE_BYTES", last_level_cache_bytes());
    detail::g_fuse_bytes.store(v, std::memory_order_relaxed);
    return v;
  }();
  return bytes;
}

namespace detail {
std::atomic<int64_t> g_fuse_bytes{-1};
}  // namespace detail

Tensor defer_elementwise(FuseOp op, const Tensor& a, const Tensor* b, double s, Ctx ctx) {
  const DType d = a->dtype;
  if (d != DType::F32 && d != DType::F64) return {};
  const int64_t bytes = a->numel() * static_cast<int64_t>(dtype_size(d));
  if (bytes == 0 || bytes < fuse_threshold_bytes()) return {};
  if (!fusable(a, d, a->shape) || (b && !fusable(*b, d, a->shape))) return {};
  if (b ? any_requires_grad(ctx, {&a, b}) : any_requires_grad(ctx, {&a})) return {};

  Tensor out = empty(a->shape, d);
  auto e = std::make_unique<LazyExpr>();
  Done done;
  std::lock_guard<std::mutex> lock(g_mu);
  if (!build(*e, op, a, b, s)) {
    // The operands' expressions do not fit in one: compute them, and start a new one over them.
    done.push_back(std::move(e));
    for (const Tensor* t : {&a, b})
      if (t && (*t)->lazy.load(std::memory_order_acquire))
        done.push_back(evaluate_locked(**t, (*t)->lazy.load(std::memory_order_acquire)));
    e = std::make_unique<LazyExpr>();
    build(*e, op, a, b, s);  // two leaves and one op always fit
  }
  e->owner = out.get();
  link(e.get());
  out->lazy.store(e.release(), std::memory_order_release);
  return out;
  // `done` is destroyed after `lock`: declared before it.
}

void materialize_lazy(const TensorImpl& t) {
  std::unique_ptr<LazyExpr> done;
  std::lock_guard<std::mutex> lock(g_mu);
  if (LazyExpr* e = t.lazy.load(std::memory_order_acquire)) done = evaluate_locked(t, e);
}

void flush_lazy_readers(const Storage& s) {
  Done done;
  std::lock_guard<std::mutex> lock(g_mu);
  for (LazyExpr* e = g_head; e;) {
    LazyExpr* next = e->next;
    // An owner already in its destructor (no references) waits for g_mu only to drop e.
    if (e->reads(&s) && e->owner->ref_count() > 0) done.push_back(evaluate_locked(*e->owner, e));
    e = next;
  }
}

void drop_lazy(TensorImpl& t) {
  std::unique_ptr<LazyExpr> dead;
  std::lock_guard<std::mutex> lock(g_mu);
  if (LazyExpr* e = t.lazy.load(std::memory_order_acquire)) {
    unlink(e);
    t.lazy.store(nullptr, std::memory_order_release);
    dead.reset(e);
  }
}

void export_storage(const TensorImpl& t) {
  t.storage->exported.store(true, std::memory_order_release);
  t.data_ptr();
  t.prepare_write();
}

int64_t pending_lazy_count() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_count;
}

}  // namespace nabla
