// parallel_for over a small std::thread pool of our own (no OpenMP runtime: libgomp cannot be linked
// statically into a shared object).
//
// - A range shorter than two grains runs inline on the calling thread: a 2x2 add pays one branch,
//   never a hand-off.
// - Otherwise [begin, end) is cut into k = min(num_threads, n / grain) equal chunks, a static
//   partition that depends only on (n, grain, num_threads): a reduction that sums per chunk and then
//   adds the chunk sums in order is deterministic for a fixed thread count.
// - The calling thread takes chunks too; workers sleep on a condition variable when idle (no
//   spinning: on two cores a spinning worker would steal the other core's work).
// - A parallel_for inside a chunk, or one called while another thread holds the pool, runs inline.
// - GEMMs run on OpenBLAS's own threads, as many as num_threads() (kernels/blas.h); the two pools
//   never run at once, since the code that calls them is sequential.
#pragma once
#include <cstdint>

namespace nabla {

// Elements per chunk for memory-bound elementwise loops: about 10 µs of work, so that waking a
// worker (a few µs) pays for itself.
constexpr int64_t kElementwiseGrain = 32768;

// Threads used by parallel_for and by OpenBLAS; the default is the number of cores this process may run
// on (sched_getaffinity), like torch.get_num_threads.
int num_threads();
// n >= 1. Workers start lazily, on the first parallel_for.
void set_num_threads(int n);
// True inside a chunk run by parallel_for (on any thread).
bool in_parallel_region();

namespace detail {
using TaskFn = void (*)(const void* ctx, int64_t task);
// Runs fn(ctx, i) for every i in [0, tasks), on the pool and the calling thread.
void parallel_run(int64_t tasks, TaskFn fn, const void* ctx);
}  // namespace detail

// How many chunks parallel_for cuts a range of n elements into (1: inline on the caller). Depends
// only on n, grain and num_threads().
int64_t parallel_chunks(int64_t n, int64_t grain);

// Chunk i of k over [begin, end): the partition parallel_for uses.
inline void chunk_bounds(int64_t begin, int64_t end, int64_t k, int64_t i, int64_t& lo, int64_t& hi) {
  const int64_t n = end - begin, q = n / k, r = n % k;
  lo = begin + i * q + (i < r ? i : r);
  hi = lo + q + (i < r ? 1 : 0);
}

// Runs fn(i) for i in [0, k), possibly on several threads; k comes from parallel_chunks, so that a
// reduction can keep one partial result per chunk and combine them in order. The first exception
// thrown is rethrown here, after every task has finished.
template <class F>
void parallel_tasks(int64_t k, const F& fn) {
  if (k <= 1) {
    if (k == 1) fn(int64_t{0});
    return;
  }
  detail::parallel_run(
      k, [](const void* ctx, int64_t i) { (*static_cast<const F*>(ctx))(i); }, &fn);
}

// Calls fn(lo, hi) on disjoint sub-ranges covering [begin, end) exactly once, each at least `grain`
// long, possibly on several threads.
template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
  if (end <= begin) return;
  if (end - begin < 2 * grain) {  // the common small case, without a call
    fn(begin, end);
    return;
  }
  const int64_t k = parallel_chunks(end - begin, grain);
  if (k <= 1) {
    fn(begin, end);
    return;
  }
  parallel_tasks(k, [&](int64_t i) {
    int64_t lo, hi;
    chunk_bounds(begin, end, k, i, lo, hi);
    fn(lo, hi);
  });
}

}  // namespace nabla
