// A small native benchmark over the C ABI, for kernel work without the JVM: W2 (2x2 add), W3
// (relu(a*b + c) on 16M float32, fresh outputs), W4 (sum of 16M float32) and GEMM at the sizes of
// W5/W6, at each thread count given. Medians of `reps` trials.
//
//   g++ -O2 -std=c++17 tools/bench_native.cpp -Inative/include -Lbuild/native/native -lnabla
//       -Wl,-rpath,$PWD/build/native/native -ldl -o /tmp/bench_native     (one line)
//   /tmp/bench_native [threads...]        e.g. /tmp/bench_native 1 2
//   NB_BENCH_ONLY=W2,W3 /tmp/bench_native 1   runs only those parts (W2 W3 W4 W6 GEMM)
//
// nb_set_num_threads is looked up at run time, so the same source also measures a library that
// has no thread pool yet (the baseline).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "nabla.h"

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void check(nb_status* s) {
  if (s) {
    std::fprintf(stderr, "error: %s\n", nb_status_message(s));
    std::exit(1);
  }
}

nb_tensor* randn(nb_generator* g, std::vector<int64_t> shape) {
  nb_tensor* t;
  check(nb_tensor_randn(g, NB_DTYPE_F32, shape.data(), static_cast<int32_t>(shape.size()), &t));
  return t;
}

template <class F>
double median_s(int reps, F f) {
  std::vector<double> v;
  for (int r = 0; r < reps; ++r) {
    double t0 = now_s();
    f();
    v.push_back(now_s() - t0);
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool wanted(const char* part) {
  const char* only = std::getenv("NB_BENCH_ONLY");
  return !only || std::strstr(only, part) != nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using SetThreads = void (*)(int32_t);
  auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "nb_set_num_threads"));
  std::vector<int> threads;
  for (int i = 1; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, 2};
  const int reps = 7;
  nb_generator* g = nb_generator_new(42);
  const int32_t relu_id = nb_op_find("relu");

  const int64_t N = 16 << 20;
  nb_tensor* a = randn(g, {N});
  nb_tensor* b = randn(g, {N});
  nb_tensor* c = randn(g, {N});
  nb_tensor* s2a = randn(g, {2, 2});
  nb_tensor* s2b = randn(g, {2, 2});

  for (int th : threads) {
    if (set_threads) set_threads(th);
    else if (th != 1) continue;
    std::printf("== threads %d%s\n", th, set_threads ? "" : " (library without a pool)");

    // W2: 2x2 add, no grad. Many short trials: the minimum resists the noise of a shared machine.
    if (wanted("W2")) {
      const int iters = 20000;
      std::vector<double> v;
      for (int r = 0; r < 50; ++r) {
        double t0 = now_s();
        for (int i = 0; i < iters; ++i) {
          nb_tensor* o;
          check(nb_tensor_add(0, s2a, s2b, &o));
          nb_tensor_free(o);
        }
        v.push_back((now_s() - t0) / iters * 1e9);
      }
      std::sort(v.begin(), v.end());
      std::printf("W2 add 2x2          %8.1f ns/op (min %.1f)\n", v[v.size() / 2], v[0]);
    }

    // W3: relu(a*b + c), each op writes a fresh output. Unfused traffic: mul 3 arrays, add 3,
    // relu 2 = 8 x 64 MiB; the minimum (a fused kernel) is 4 x 64 MiB.
    auto w3_once = [&] {
      nb_tensor *ab, *abc, *r;
      check(nb_tensor_mul(0, a, b, &ab));
      check(nb_tensor_add(0, ab, c, &abc));
      nb_tensor_free(ab);
      const nb_tensor* in[1] = {abc};
      int32_t n_out;
      check(nb_op_call(0, relu_id, in, 1, nullptr, 0, nullptr, 0, &r, 1, &n_out));
      nb_tensor_free(abc);
      nb_tensor_free(r);
    };
    if (wanted("W3")) {
      w3_once();
      double w3 = median_s(reps, w3_once);
      double bytes3 = 8.0 * N * 4;
      std::printf("W3 relu(a*b+c) 16M  %8.2f ms  %6.2f GB/s (8 x 64 MiB moved; %.2f GB/s on the fused 4)\n",
                  w3 * 1e3, bytes3 / w3 / 1e9, bytes3 / 2 / w3 / 1e9);
    }

    // W4: sum of 16M float32 (64 MiB read).
    auto w4_once = [&] {
      nb_tensor* s;
      check(nb_tensor_sum(0, a, &s));
      nb_tensor_free(s);
    };
    if (wanted("W4")) {
      w4_once();
      double w4 = median_s(reps, w4_once);
      std::printf("W4 sum 16M          %8.2f ms  %6.2f GB/s\n", w4 * 1e3, N * 4.0 / w4 / 1e9);
    }

    // W6-like forward: GEMMs (OpenBLAS's threads) alternating with relu on 128x512 (our pool's).
    if (wanted("W6")) {
      nb_tensor* x = randn(g, {128, 784});
      nb_tensor* w1 = randn(g, {784, 512});
      nb_tensor* w2 = randn(g, {512, 256});
      nb_tensor* w3 = randn(g, {256, 10});
      auto fwd = [&] {
        for (int i = 0; i < 20; ++i) {
          nb_tensor *h1, *r1, *h2, *r2, *o;
          check(nb_tensor_matmul(0, x, w1, &h1));
          const nb_tensor* in1[1] = {h1};
          int32_t n_out;
          check(nb_op_call(0, relu_id, in1, 1, nullptr, 0, nullptr, 0, &r1, 1, &n_out));
          check(nb_tensor_matmul(0, r1, w2, &h2));
          const nb_tensor* in2[1] = {h2};
          check(nb_op_call(0, relu_id, in2, 1, nullptr, 0, nullptr, 0, &r2, 1, &n_out));
          check(nb_tensor_matmul(0, r2, w3, &o));
          nb_tensor_free(h1);
          nb_tensor_free(r1);
          nb_tensor_free(h2);
          nb_tensor_free(r2);
          nb_tensor_free(o);
        }
      };
      fwd();
      double t = median_s(reps, fwd) / 20;
      std::printf("W6-like MLP forward %8.1f us\n", t * 1e6);
      nb_tensor_free(x);
      nb_tensor_free(w1);
      nb_tensor_free(w2);
      nb_tensor_free(w3);
    }

    // GEMM: W5 (square) and W6's forward shapes (batch 128, 784-512-256-10).
    struct Mm { int64_t m, k, n; };
    if (!wanted("GEMM")) continue;
    for (Mm mm : {Mm{256, 256, 256}, Mm{1024, 1024, 1024}, Mm{128, 784, 512}, Mm{128, 512, 256},
                  Mm{128, 256, 10}, Mm{784, 128, 512}, Mm{128, 10, 256}, Mm{256, 128, 10},
                  Mm{512, 128, 256}, Mm{32, 32, 32}, Mm{64, 64, 64}, Mm{96, 96, 96}, Mm{128, 128, 128}}) {
      nb_tensor* x = randn(g, {mm.m, mm.k});
      nb_tensor* y = randn(g, {mm.k, mm.n});
      int inner = std::max<int64_t>(1, 50000000 / (mm.m * mm.n * mm.k));
      auto once = [&] {
        for (int i = 0; i < inner; ++i) {
          nb_tensor* o;
          check(nb_tensor_matmul(0, x, y, &o));
          nb_tensor_free(o);
        }
      };
      once();
      double t = median_s(reps, once) / inner;
      std::printf("GEMM %4lld x %4lld x %4lld  %10.2f us  %7.2f GFLOP/s\n", (long long)mm.m,
                  (long long)mm.k, (long long)mm.n, t * 1e6, 2.0 * mm.m * mm.n * mm.k / t / 1e9);
      nb_tensor_free(x);
      nb_tensor_free(y);
    }
  }
  nb_tensor_free(a);
  nb_tensor_free(b);
  nb_tensor_free(c);
  nb_tensor_free(s2a);
  nb_tensor_free(s2b);
  nb_generator_free(g);
  return 0;
}
