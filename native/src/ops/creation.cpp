#include <cmath>
#include <cstring>

#include "kernels/parallel.h"
#include "kernels/stream.h"

#include "ops/ops.h"

namespace nabla {

// Split between threads like any elementwise output, zeros by memset (whose large-size path
// already streams), other values streamed past the caches when the tensor is as large as the LLC.
Tensor full(const Dims& shape, DType dtype, double value) {
  Tensor t = empty(shape, dtype);
  NB_DISPATCH_ALL(dtype, "full", [&] {
    const scalar_t v = static_cast<scalar_t>(value);
    scalar_t* p = t->data<scalar_t>();
    const int64_t n = t->numel();
    const scalar_t zero{};
    if (std::memcmp(&v, &zero, sizeof v) == 0) {
      parallel_for(0, n, kElementwiseGrain, [=](int64_t lo, int64_t hi) {
        std::memset(p + lo, 0, static_cast<size_t>(hi - lo) * sizeof(scalar_t));
      });
    } else {
      fill_output(p, n, [=](int64_t, int64_t cnt, scalar_t* d) {
        for (int64_t i = 0; i < cnt; ++i) d[i] = v;
      });
    }
  });
  return t;
}

Tensor zeros_like(const Tensor& a) { return full(a->shape, a->dtype, 0.0); }

Tensor arange(DType dtype, double start, double end, double step) {
  if (step == 0) fail_arg("arange: step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end))
    fail_arg("arange: unsupported range: " + std::to_string(start) + " -> " + std::to_string(end));
  if ((step > 0 && end < start) || (step < 0 && end > start))
    fail_arg("arange: upper bound and larger bound inconsistent with step sign");
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = empty({n}, dtype);
  NB_DISPATCH_ALL(dtype, "arange", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start + step * static_cast<double>(i));
  });
  return t;
}

}  // namespace nabla
