#include "ops/random.h"

#include <cmath>

#include "ops/ops.h"

namespace nabla {

namespace {
// Uniform in [0, 1) with 53 random bits.
double uniform01(Generator& g) { return static_cast<double>(g.engine() >> 11) * 0x1.0p-53; }
}  // namespace

Tensor rand(Generator& g, const Dims& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  NB_DISPATCH_FLOAT(dtype, "rand", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0, n = t->numel(); i < n; ++i) {
      scalar_t v = static_cast<scalar_t>(uniform01(g));
      p[i] = v < scalar_t(1) ? v : std::nextafter(scalar_t(1), scalar_t(0));  // float rounding
    }
  });
  return t;
}

// Box-Muller: two uniforms give two independent normals.
Tensor randn(Generator& g, const Dims& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  NB_DISPATCH_FLOAT(dtype, "randn", [&] {
    scalar_t* p = t->data<scalar_t>();
    int64_t n = t->numel();
    for (int64_t i = 0; i < n; i += 2) {
      double u1 = 1.0 - uniform01(g);  // (0, 1]: log stays finite
      double u2 = uniform01(g);
      double r = std::sqrt(-2.0 * std::log(u1));
      p[i] = static_cast<scalar_t>(r * std::cos(2 * M_PI * u2));
      if (i + 1 < n) p[i + 1] = static_cast<scalar_t>(r * std::sin(2 * M_PI * u2));
    }
  });
  return t;
}

}  // namespace nabla
