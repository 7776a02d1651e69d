// A seeded generator: mt19937_64 gives the same stream on every platform for a seed.
#pragma once
#include <random>

namespace nabla {
struct Generator {
  explicit Generator(int64_t seed) : engine(static_cast<uint64_t>(seed)) {}
  std::mt19937_64 engine;
};
}  // namespace nabla
