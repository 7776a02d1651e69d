// Runtime CPU feature checks for the kernels compiled twice (AVX2+FMA and the x86-64 baseline).
#pragma once

namespace nabla {
namespace vm {

// True when this CPU (and OS) runs AVX2 and FMA code; checked once.
inline bool cpu_has_avx2_fma() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

}  // namespace vm
}  // namespace nabla
