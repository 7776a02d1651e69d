// Kernel micro-benchmarks over the C ABI (not part of the build or the tests; speed is never
// asserted). Build and run against a built library:
//   g++ -O2 -std=c++17 native/bench/bench_kernels.cpp -Inative/include -Lbuild/native/native \
//       -lnabla -Wl,-rpath,$PWD/build/native/native -o /tmp/bench_kernels && /tmp/bench_kernels
// Prints medians of 7 runs (ms): exp/tanh/sigmoid/log/gelu/silu on 16M float32, sum of 16M float32
// (and GB/s), and the F2 layers (Fashion-MNIST CNN, batch 64) forward and backward.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "nabla.h"

namespace {

void ok(nb_status* s, const char* what) {
  if (s) {
    std::fprintf(stderr, "%s: %s\n", what, nb_status_message(s));
    std::exit(1);
  }
}

nb_tensor* randn(std::vector<int64_t> shape, double lo, double hi, unsigned seed) {
  nb_tensor* t;
  ok(nb_tensor_empty(NB_DTYPE_F32, shape.data(), static_cast<int32_t>(shape.size()), &t), "empty");
  float* p = reinterpret_cast<float*>(nb_tensor_data(t));
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  unsigned s = seed;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = static_cast<float>(lo + (hi - lo) * ((s >> 8) / 16777216.0));
  }
  return t;
}

nb_tensor* call1(int32_t flags, const char* op, std::vector<const nb_tensor*> in, std::vector<int64_t> ints = {},
                 std::vector<double> nums = {}, nb_tensor** second = nullptr) {
  nb_tensor* outs[2] = {nullptr, nullptr};
  int32_t n = 0;
  ok(nb_op_call(flags, nb_op_find(op), in.data(), static_cast<int32_t>(in.size()), nums.data(),
                static_cast<int32_t>(nums.size()), ints.data(), static_cast<int32_t>(ints.size()), outs, 2, &n),
     op);
  if (second) *second = outs[1];
  else if (n > 1) nb_tensor_free(outs[1]);
  return outs[0];
}

double median_ms(const std::function<void()>& f, int reps = 7) {
  f();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// One conv layer (+ optional 2x2 max-pool after it) of F2: forward, and backward of sum(y * g).
void conv_layer(const char* name, std::vector<int64_t> xs, std::vector<int64_t> ws, bool x_grad) {
  nb_tensor* x = randn(xs, -1, 1, 1);
  nb_tensor* w = randn(ws, -0.3, 0.3, 2);
  nb_tensor* b = randn({ws[0]}, -0.1, 0.1, 3);
  ok(nb_tensor_set_requires_grad(w, 1), "rg");
  ok(nb_tensor_set_requires_grad(b, 1), "rg");
  if (x_grad) ok(nb_tensor_set_requires_grad(x, 1), "rg");
  std::vector<int64_t> conv_ints = {1, 1, 0, 0, 1, 1, 1};
  double fwd = median_ms([&] { nb_tensor_free(call1(0, "conv2d", {x, w, b}, conv_ints)); });
  nb_tensor* y0 = call1(0, "conv2d", {x, w, b}, conv_ints);
  std::vector<int64_t> ys(4);
  nb_tensor_shape(y0, ys.data(), 4);
  nb_tensor* g = randn(ys, -1, 1, 4);
  nb_tensor_free(y0);
  double fb = median_ms([&] {
    nb_tensor* y = call1(NB_GRAD, "conv2d", {x, w, b}, conv_ints);
    ok(nb_tensor_backward(NB_GRAD, y, g, 0, 0), "backward");
    nb_tensor_free(y);
    nb_tensor_set_grad(w, nullptr);
    nb_tensor_set_grad(b, nullptr);
    nb_tensor_set_grad(x, nullptr);
  });
  std::printf("%-28s forward %7.2f ms   forward+backward %7.2f ms\n", name, fwd, fb);
  // The 2x2 max-pool on its output.
  nb_tensor* a = randn(ys, -1, 1, 5);
  ok(nb_tensor_set_requires_grad(a, 1), "rg");
  std::vector<int64_t> pool_ints = {2, 2, 2, 2, 0, 0, 1, 1};
  double pf = median_ms([&] { nb_tensor_free(call1(0, "max_pool2d", {a}, pool_ints)); });
  nb_tensor* p0 = call1(0, "max_pool2d", {a}, pool_ints);
  std::vector<int64_t> ps(4);
  nb_tensor_shape(p0, ps.data(), 4);
  nb_tensor_free(p0);
  nb_tensor* gp = randn(ps, -1, 1, 6);
  double pfb = median_ms([&] {
    nb_tensor* p = call1(NB_GRAD, "max_pool2d", {a}, pool_ints);
    ok(nb_tensor_backward(NB_GRAD, p, gp, 0, 0), "backward");
    nb_tensor_free(p);
    nb_tensor_set_grad(a, nullptr);
  });
  std::printf("%-28s forward %7.2f ms   forward+backward %7.2f ms\n", "  max_pool2d 2x2 after it", pf, pfb);
  for (nb_tensor* t : {x, w, b, g, a, gp}) nb_tensor_free(t);
}

}  // namespace

int main(int argc, char** argv) {
  bool only = argc > 1;
  auto want = [&](const char* s) {
    if (!only) return true;
    for (int i = 1; i < argc; ++i)
      if (std::strcmp(argv[i], s) == 0) return true;
    return false;
  };
  const int64_t n = 16 << 20;
  nb_tensor* x = randn({n}, -10, 10, 7);
  nb_tensor* xp = randn({n}, 0.001, 100, 8);
  for (const char* op : {"exp", "tanh", "sigmoid", "log", "silu", "gelu", "softplus"}) {
    if (!want(op)) continue;
    nb_tensor* in = std::strcmp(op, "log") == 0 ? xp : x;
    double ms = median_ms([&] { nb_tensor_free(call1(0, op, {in})); });
    std::printf("%-10s 16M float32 %8.2f ms  (%.2f ns/element)\n", op, ms, ms * 1e6 / n);
  }
  if (want("sum")) {
    double ms = median_ms([&] { nb_tensor_free(call1(0, "sum", {x})); }, 11);
    std::printf("%-10s 16M float32 %8.2f ms  (%.2f GB/s read)\n", "sum", ms, n * 4.0 / ms / 1e6);
  }
  if (want("conv")) {
    conv_layer("F2 conv1 [64,1,28,28]*[32,1,3,3]", {64, 1, 28, 28}, {32, 1, 3, 3}, false);
    conv_layer("F2 conv2 [64,32,13,13]*[64,32,3,3]", {64, 32, 13, 13}, {64, 32, 3, 3}, true);
  }
  nb_tensor_free(x);
  nb_tensor_free(xp);
  return 0;
}
