// Writing an elementwise output around the caches (non-temporal stores).
//
// An output much larger than the last-level cache cannot still be cached when the next op reads
// it, so an ordinary store only costs: the core first reads each line it writes (read for
// ownership), then the line evicts input data. Streaming stores skip both. Measured on the bench
// machine (relu(a*b + c) on 16M floats, three passes): 19.8 -> 14.0 ms at 1 thread, 15.1 -> 11.6 ms
// at 2 threads in a plain C loop.
//
// The values are computed in blocks into an L1-resident buffer and copied out with streaming stores;
// the unaligned head and the tail of a chunk use ordinary stores. An sfence ends every chunk:
// streaming stores are weakly ordered, and the thread that joins the parallel_for must see them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/parallel.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nabla {

// The last-level cache's size: sysfs, else sysconf; 32 MiB where neither says.
int64_t last_level_cache_bytes();
// A size in bytes from the environment variable `name` (a non-negative integer), else `fallback`: the
// thresholds that tests lower (NABLA_STREAM_BYTES here, NABLA_FUSE_BYTES in ops/fuse.h).
int64_t bytes_from_env(const char* name, int64_t fallback);

// Outputs of at least this many bytes are streamed: the last-level cache's size (sysfs, else sysconf;
// 32 MiB where neither says), or NABLA_STREAM_BYTES when set (0 turns streaming off).
int64_t stream_threshold_bytes();

inline bool stream_output(int64_t bytes) {
  const int64_t t = stream_threshold_bytes();
  return t > 0 && bytes >= t;
}

namespace detail {
// dst and src 64-byte aligned, bytes a multiple of 64. 32-byte stores where the CPU has AVX: on Zen 4
// 16-byte streaming stores were slower than ordinary ones (10.2 against 8.0 ms for a 16M-float
// product; 32-byte ones 6.0 ms), so the SSE2 loop is only the fallback for CPUs without AVX.
void stream_copy(char* dst, const char* src, size_t bytes);
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}
}  // namespace detail

// o[i] for i in [lo, hi) through fill(i0, n, dst), which writes the n values from i0 on to dst[0..n).
template <class O, class Fill>
void stream_range(O* o, int64_t lo, int64_t hi, Fill fill) {
  constexpr int64_t kBlockBytes = 4096;
  constexpr int64_t kBlock = kBlockBytes / static_cast<int64_t>(sizeof(O));
  static_assert(kBlockBytes % sizeof(O) == 0 && 64 % sizeof(O) == 0, "element size divides a cache line");
  alignas(64) O buf[kBlock];
  // Up to the first 64-byte boundary with ordinary stores; o is aligned to its element size.
  const auto addr = reinterpret_cast<uintptr_t>(o + lo);
  int64_t i = lo + static_cast<int64_t>(((64 - addr % 64) % 64) / sizeof(O));
  if (i > hi) i = hi;
  if (i > lo) fill(lo, i - lo, o + lo);
  for (; hi - i >= kBlock; i += kBlock) {
    fill(i, kBlock, buf);
    detail::stream_copy(reinterpret_cast<char*>(o + i), reinterpret_cast<const char*>(buf), kBlockBytes);
  }
  if (i < hi) fill(i, hi - i, o + i);
  detail::stream_fence();
}

// The contiguous output o[0, n) of an elementwise op, split between threads (kElementwiseGrain) and
// streamed when it is as large as the LLC: fill(i0, cnt, dst) writes the cnt values from i0 on to
// dst[0..cnt), dst being o + i0 itself or an L1 block that is then streamed there.
template <class O, class Fill>
void fill_output(O* o, int64_t n, Fill fill) {
  if (stream_output(n * static_cast<int64_t>(sizeof(O))))
    parallel_for(0, n, kElementwiseGrain, [=](int64_t lo, int64_t hi) { stream_range(o, lo, hi, fill); });
  else
    parallel_for(0, n, kElementwiseGrain, [=](int64_t lo, int64_t hi) { fill(lo, hi - lo, o + lo); });
}

}  // namespace nabla
