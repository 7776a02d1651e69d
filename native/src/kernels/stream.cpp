#include "kernels/stream.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace nabla {

namespace detail {
#if defined(__x86_64__)
namespace {
__attribute__((target("avx"))) void stream_copy_avx(char* dst, const char* src, size_t bytes) {
  for (size_t b = 0; b < bytes; b += 32)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + b), _mm256_load_si256(reinterpret_cast<const __m256i*>(src + b)));
}
void stream_copy_sse2(char* dst, const char* src, size_t bytes) {
  for (size_t b = 0; b < bytes; b += 16)
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + b), _mm_load_si128(reinterpret_cast<const __m128i*>(src + b)));
}
bool cpu_has_avx() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx");
  }();
  return has;
}
}  // namespace

void stream_copy(char* dst, const char* src, size_t bytes) {
  if (cpu_has_avx())
    stream_copy_avx(dst, src, bytes);
  else
    stream_copy_sse2(dst, src, bytes);
}
#else
void stream_copy(char* dst, const char* src, size_t bytes) { std::memcpy(dst, src, bytes); }
#endif
}  // namespace detail

// The kernel's view (sysfs) first: in a VM, sysconf's cpuid-based answer can be the host's (320 MiB
// on the bench machine, whose guest sees 32 MiB).
int64_t last_level_cache_bytes() {
  for (const char* path : {"/sys/devices/system/cpu/cpu0/cache/index3/size", "/sys/devices/system/cpu/cpu0/cache/index2/size"}) {
    if (FILE* f = std::fopen(path, "r")) {
      long long v = 0;
      char unit = 0;
      int got = std::fscanf(f, "%lld%c", &v, &unit);
      std::fclose(f);
      if (got >= 1 && v > 0) return unit == 'K' ? v << 10 : unit == 'M' ? v << 20 : v;
    }
  }
  long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  return llc > 0 ? static_cast<int64_t>(llc) : int64_t{32} << 20;
}

int64_t bytes_from_env(const char* name, int64_t fallback) {
  if (const char* env = std::getenv(name)) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && v >= 0) return static_cast<int64_t>(v);
  }
  return fallback;
}

int64_t stream_threshold_bytes() {
  static const int64_t bytes = bytes_from_env("NABLA_STREAM_BYTES", last_level_cache_bytes());
  return bytes;
}

}  // namespace nabla
