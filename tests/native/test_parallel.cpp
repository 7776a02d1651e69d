// The thread pool (parallel_for), the kernels that use it, the thread-count ABI and the storage cache.
//
// parallel_for is tested directly: this binary compiles kernels/parallel.cpp itself (see
// CMakeLists.txt), since the library hides its C++ symbols. Everything else goes through nabla.h.
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <thread>

#include "kernels/parallel.h"
#include "kernels/stream.h"
#include "test_util.h"

using namespace nbtest;

namespace {

// ---- parallel_for itself (the test binary's own pool) ----

TEST(ParallelFor, CoversEveryIndexOnceInChunksOfAtLeastTheGrain) {
  for (int threads : {1, 2, 3, 4, 7}) {
    nabla::set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 5, 63, 64, 65, 1000, 4097, 100003}) {
      for (int64_t grain : {1, 2, 7, 64, 1000, 100000}) {
        const int64_t begin = 11;
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int64_t> chunks{0}, short_chunks{0};
        nabla::parallel_for(begin, begin + n, grain, [&](int64_t lo, int64_t hi) {
          ++chunks;
          if (hi - lo < grain) ++short_chunks;
          for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i - begin)]++;
        });
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
              << "index " << i << " of " << n << ", grain " << grain << ", threads " << threads;
        EXPECT_LE(chunks.load(), threads);
        if (chunks.load() > 1) EXPECT_EQ(short_chunks.load(), 0) << n << " / " << grain;
      }
    }
  }
  nabla::set_num_threads(2);
}

TEST(ParallelFor, UsesSeveralThreadsAndTheCaller) {
  nabla::set_num_threads(2);
  std::atomic<int> on_caller{0}, elsewhere{0};
  const auto caller = std::this_thread::get_id();
  for (int rep = 0; rep < 200 && (on_caller == 0 || elsewhere == 0); ++rep) {
    nabla::parallel_for(0, 1 << 16, 1 << 12, [&](int64_t, int64_t) {
      EXPECT_TRUE(nabla::in_parallel_region());
      if (std::this_thread::get_id() == caller) ++on_caller;
      else ++elsewhere;
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // let the worker take one
    });
  }
  EXPECT_GT(on_caller.load(), 0);
  EXPECT_GT(elsewhere.load(), 0);
  EXPECT_FALSE(nabla::in_parallel_region());
}

TEST(ParallelFor, SmallRangesRunInlineOnTheCaller) {
  nabla::set_num_threads(4);
  const auto caller = std::this_thread::get_id();
  int calls = 0;
  nabla::parallel_for(0, 4, 32768, [&](int64_t lo, int64_t hi) {
    ++calls;
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 4);
  });
  EXPECT_EQ(calls, 1);
  nabla::set_num_threads(2);
}

TEST(ParallelFor, NestedLoopsRunInline) {
  nabla::set_num_threads(2);
  std::vector<std::atomic<int>> hits(1000);
  nabla::parallel_for(0, 10, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const auto outer = std::this_thread::get_id();
      nabla::parallel_for(i * 100, i * 100 + 100, 1, [&](int64_t l, int64_t h) {
        EXPECT_EQ(std::this_thread::get_id(), outer);
        for (int64_t j = l; j < h; ++j) hits[static_cast<size_t>(j)]++;
      });
    }
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ParallelFor, RethrowsTheFirstExceptionAfterEveryChunk) {
  nabla::set_num_threads(2);
  std::atomic<int> done{0};
  EXPECT_THROW(nabla::parallel_for(0, 8, 1,
                                   [&](int64_t lo, int64_t hi) {
                                     done += static_cast<int>(hi - lo);
                                     if (lo == 0) throw std::runtime_error("chunk 0");
                                   }),
               std::runtime_error);
  EXPECT_EQ(done.load(), 8);
  // The pool still works afterwards.
  std::atomic<int64_t> sum{0};
  nabla::parallel_for(0, 1000, 10, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 999 * 1000 / 2);
}

TEST(ParallelFor, ConcurrentCallersEachGetTheirWholeRange) {
  nabla::set_num_threads(2);
  auto job = [](int64_t* total) {
    for (int rep = 0; rep < 200; ++rep) {
      std::atomic<int64_t> sum{0};
      nabla::parallel_for(0, 5000, 100, [&](int64_t lo, int64_t hi) {
        int64_t s = 0;
        for (int64_t i = lo; i < hi; ++i) s += i;
        sum += s;
      });
      *total += sum.load();
    }
  };
  int64_t t1 = 0, t2 = 0;
  std::thread a(job, &t1), b(job, &t2);
  a.join();
  b.join();
  EXPECT_EQ(t1, int64_t{200} * 4999 * 5000 / 2);
  EXPECT_EQ(t2, t1);
}

TEST(ParallelFor, TasksAndChunkBoundsPartitionTheRange) {
  for (int64_t k : {1, 2, 3, 7}) {
    int64_t prev = 5;
    for (int64_t i = 0; i < k; ++i) {
      int64_t lo, hi;
      nabla::chunk_bounds(5, 105, k, i, lo, hi);
      EXPECT_EQ(lo, prev);
      EXPECT_GE(hi - lo, 100 / k);
      prev = hi;
    }
    EXPECT_EQ(prev, 105);
  }
  nabla::set_num_threads(3);
  EXPECT_EQ(nabla::parallel_chunks(10, 32768), 1);
  EXPECT_EQ(nabla::parallel_chunks(2 * 32768, 32768), 2);
  EXPECT_EQ(nabla::parallel_chunks(100 * 32768, 32768), 3);
  nabla::set_num_threads(2);
}

// ---- the C ABI: thread count ----

// ---- stream_range (kernels/stream.h), compiled into this binary with stream.cpp ----

// Every index of [lo, hi) written once with its value, nothing outside it, for ranges starting and
// ending anywhere relative to a cache line and to the 4 KiB blocks, for 1-, 4- and 8-byte elements;
// in place too (the fill reads the element it replaces).
template <class T>
void check_stream_range() {
  const int64_t n = 3 * 4096 + 100;
  std::vector<T> store(static_cast<size_t>(n + 64));
  for (int64_t shift : {0, 1, 3}) {
    T* o = store.data() + shift;
    for (int64_t lo : {int64_t{0}, int64_t{1}, int64_t{15}, int64_t{17}, int64_t{4095}}) {
      for (int64_t len : {int64_t{0}, int64_t{1}, int64_t{63}, int64_t{64}, int64_t{4096}, int64_t{4097}, n - lo}) {
        const int64_t hi = std::min(lo + len, n);
        for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(i % 101);
        nabla::stream_range(o, lo, hi, [&](int64_t i0, int64_t cnt, T* d) {
          for (int64_t i = 0; i < cnt; ++i) d[i] = static_cast<T>(o[i0 + i] + 1);
        });
        for (int64_t i = 0; i < n; ++i) {
          const T want = static_cast<T>(i % 101 + (i >= lo && i < hi ? 1 : 0));
          ASSERT_EQ(o[i], want) << "shift " << shift << " lo " << lo << " hi " << hi << " at " << i;
        }
      }
    }
  }
}

TEST(StreamRange, WritesEveryIndexOnceAtAnyAlignment) {
  check_stream_range<uint8_t>();
  check_stream_range<float>();
  check_stream_range<double>();
  check_stream_range<int64_t>();
}

TEST(NumThreads, SetAndGet) {
  const int32_t initial = nb_get_num_threads();
  EXPECT_GE(initial, 1);
  NB_ASSERT_OK(nb_set_num_threads(3));
  EXPECT_EQ(nb_get_num_threads(), 3);
  NB_ASSERT_OK(nb_set_num_threads(1));
  EXPECT_EQ(nb_get_num_threads(), 1);
  std::string msg = expect_error(nb_set_num_threads(0), NB_ERR_ARGUMENT);
  EXPECT_NE(msg.find("set_num_threads"), std::string::npos) << msg;
  EXPECT_NE(msg.find("positive"), std::string::npos) << msg;
  expect_error(nb_set_num_threads(-2), NB_ERR_ARGUMENT);
  EXPECT_EQ(nb_get_num_threads(), 1);
  NB_ASSERT_OK(nb_set_num_threads(initial));
}

// ---- kernels: 1 thread and 2 threads give the same values ----

Tensor call(const char* op, std::vector<const nb_tensor*> in) {
  int32_t id = nb_op_find(op);
  EXPECT_GE(id, 0) << op;
  nb_tensor* out = nullptr;
  int32_t n_out = 0;
  nb_status* s = nb_op_call(0, id, in.data(), static_cast<int32_t>(in.size()), nullptr, 0, nullptr,
                            0, &out, 1, &n_out);
  if (s) ADD_FAILURE() << op << ": " << take_message(s);
  return Tensor(out);
}

// Runs f at 1 and at 2 threads and expects bit-identical values.
template <class F>
void expect_same_at_1_and_2_threads(const char* what, F f) {
  NB_ASSERT_OK(nb_set_num_threads(1));
  Tensor one = f();
  NB_ASSERT_OK(nb_set_num_threads(2));
  Tensor two = f();
  ASSERT_TRUE(one && two) << what;
  EXPECT_EQ(shape_of(one.get()), shape_of(two.get())) << what;
  std::vector<double> a = to_vector(one.get()), b = to_vector(two.get());
  ASSERT_EQ(a.size(), b.size()) << what;
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(double)) != 0 && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << ": " << a[i] << " vs " << b[i];
}

class ParallelKernels : public ::testing::TestWithParam<int32_t> {};

TEST_P(ParallelKernels, ElementwiseOpsMatchTheNaiveLoopAtOneAndTwoThreads) {
  const int32_t dt = GetParam();
  std::mt19937 rng(7);
  const Shape shape{3, 70001};  // 210003 elements: several grains, not a multiple of any width
  const int64_t n = numel_of(shape);
  std::vector<double> va = rounded(random_values(rng, n), dt), vb = rounded(random_values(rng, n), dt);
  va[5] = NAN;
  vb[100000] = INFINITY;
  std::vector<double> vrow = rounded(random_values(rng, shape[1]), dt);
  for (Layout la : kLayouts) {
    SCOPED_TRACE(layout_name(la));
    Tensor a = make_tensor(va, shape, dt, la);
    Tensor b = make_tensor(vb, shape, dt, Layout::Transposed);
    Tensor row = from_vector(vrow, {shape[1]}, dt);  // broadcast over the outer dim
    const nb_tensor* A = a.get();
    const nb_tensor* B = b.get();
    const nb_tensor* R = row.get();

    expect_same_at_1_and_2_threads("add", [&] { return call("add", {A, B}); });
    expect_same_at_1_and_2_threads("mul broadcast", [&] { return call("mul", {A, R}); });
    expect_same_at_1_and_2_threads("relu", [&] { return call("relu", {A}); });
    expect_same_at_1_and_2_threads("exp", [&] { return call("exp", {A}); });
    expect_same_at_1_and_2_threads("lt", [&] { return call("lt", {A, B}); });
    expect_same_at_1_and_2_threads("contiguous", [&] {
      nb_tensor* out = nullptr;
      NB_EXPECT_OK(nb_tensor_contiguous(0, A, &out));
      return Tensor(out);
    });
    expect_same_at_1_and_2_threads("where", [&] {
      Tensor mask = call("gt", {A, B});
      return call("where", {mask.get(), A, R});
    });

    // Against the naive loop, at 2 threads.
    NB_ASSERT_OK(nb_set_num_threads(2));
    Tensor sum = call("add", {A, R});
    Tensor prod = call("mul", {A, B});
    std::vector<double> got_sum = to_vector(sum.get()), got_prod = to_vector(prod.get());
    for (int64_t i = 0; i < n; ++i) {
      const double x = va[static_cast<size_t>(i)], y = vb[static_cast<size_t>(i)];
      const double r = vrow[static_cast<size_t>(i % shape[1])];
      const double want_sum = dt == NB_DTYPE_F32 ? double(float(x) + float(r)) : x + r;
      const double want_prod = dt == NB_DTYPE_F32 ? double(float(x) * float(y)) : x * y;
      if (std::isnan(want_sum)) ASSERT_TRUE(std::isnan(got_sum[static_cast<size_t>(i)])) << i;
      else ASSERT_EQ(got_sum[static_cast<size_t>(i)], want_sum) << i;
      if (std::isnan(want_prod)) ASSERT_TRUE(std::isnan(got_prod[static_cast<size_t>(i)])) << i;
      else ASSERT_EQ(got_prod[static_cast<size_t>(i)], want_prod) << i;
    }
  }
}

TEST_P(ParallelKernels, InPlaceOpsMatchAtOneAndTwoThreads) {
  const int32_t dt = GetParam();
  std::mt19937 rng(9);
  const Shape shape{5, 30011};
  std::vector<double> va = rounded(random_values(rng, numel_of(shape)), dt);
  std::vector<double> vb = rounded(random_values(rng, numel_of(shape)), dt);
  auto run = [&] {
    Tensor a = from_vector(va, shape, dt);
    Tensor b = strided_from_vector(vb, shape, dt);
    NB_EXPECT_OK(nb_tensor_add_(0, a.get(), b.get()));
    return a;
  };
  expect_same_at_1_and_2_threads("add_", run);
}

double ulp_of(double v, int32_t dt) {
  if (dt == NB_DTYPE_F32) {
    float f = static_cast<float>(v);
    return std::nextafter(f, INFINITY) - f;
  }
  return std::nextafter(v, INFINITY) - v;
}

TEST_P(ParallelKernels, SumsAgreeWithinAnUlpAndAreDeterministic) {
  const int32_t dt = GetParam();
  std::mt19937 rng(11);
  for (Shape shape : {Shape{1000003}, Shape{7, 65537}, Shape{3, 4099, 31}}) {
    const int64_t n = numel_of(shape);
    std::vector<double> v = rounded(random_values(rng, n, -1.0, 1.5), dt);
    for (Layout la : kLayouts) {
      SCOPED_TRACE(shape_str(shape) + " " + layout_name(la));
      Tensor a = make_tensor(v, shape, dt, la);
      double want = 0, magnitude = 0;
      for (double x : v) {
        want += x;
        magnitude += std::fabs(x);
      }
      // float32 sums accumulate in double and round once: within an ulp of the float result at
      // any thread count. float64 sums in another order differ by rounding, a few eps * sum |x|.
      const double tol = dt == NB_DTYPE_F32 ? ulp_of(want, dt) : 1e-13 * magnitude;
      double got[2];
      for (int th = 1; th <= 2; ++th) {
        NB_ASSERT_OK(nb_set_num_threads(th));
        double first = 0;
        for (int rep = 0; rep < 3; ++rep) {
          nb_tensor* s = nullptr;
          NB_ASSERT_OK(nb_tensor_sum(0, a.get(), &s));
          Tensor st(s);
          double value = 0;
          NB_ASSERT_OK(nb_tensor_item(st.get(), &value));
          if (rep == 0) first = value;
          else EXPECT_EQ(value, first) << "not deterministic at " << th << " threads";
        }
        got[th - 1] = first;
        EXPECT_NEAR(first, want, tol) << th << " threads";
      }
      EXPECT_LE(std::fabs(got[0] - got[1]), tol) << got[0] << " vs " << got[1];
      // Sums over some dims are not split between threads: the same bits at any thread count.
      if (shape.size() > 1)
        expect_same_at_1_and_2_threads("sum over dim 0", [&] {
        int64_t d = 0;
        nb_tensor* s = nullptr;
        NB_EXPECT_OK(nb_tensor_sum_dims(0, a.get(), &d, 1, 0, &s));
        return Tensor(s);
      });
    }
  }
  NB_ASSERT_OK(nb_set_num_threads(2));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ParallelKernels, ::testing::Values(NB_DTYPE_F32, NB_DTYPE_F64),
                         [](const ::testing::TestParamInfo<int32_t>& i) {
                           return i.param == NB_DTYPE_F32 ? std::string("F32") : std::string("F64");
                         });

// ---- the storage cache ----

Tensor empty_f32(int64_t n) {
  nb_tensor* t = nullptr;
  nb_status* s = nb_tensor_empty(NB_DTYPE_F32, &n, 1, &t);
  if (s) ADD_FAILURE() << take_message(s);
  return Tensor(t);
}

TEST(StorageCache, AFreedBufferIsReusedForTheSameSize) {
#ifdef NABLA_SANITIZE
  GTEST_SKIP() << "the cache is off in sanitizer builds, so that ASan sees a use after free";
#else
  nb_empty_cache();
  EXPECT_EQ(nb_cached_bytes(), 0);
  Tensor a = empty_f32(1 << 20);
  const intptr_t p = nb_tensor_data(a.get());
  EXPECT_EQ(p % 64, 0) << "large buffers stay 64-byte aligned";
  a.reset();
  EXPECT_GE(nb_cached_bytes(), int64_t{4} << 20);
  Tensor b = empty_f32(1 << 20);
  EXPECT_EQ(nb_tensor_data(b.get()), p);
  EXPECT_EQ(nb_cached_bytes(), 0);
  // A slightly smaller request falls in the same size class.
  b.reset();
  Tensor c = empty_f32((1 << 20) - 1000);
  EXPECT_EQ(nb_tensor_data(c.get()), p);
  c.reset();
  // Small buffers are malloc's business.
  Tensor small = empty_f32(4);
  small.reset();
  EXPECT_EQ(nb_cached_bytes(), int64_t{4} << 20);
#endif
}

TEST(StorageCache, EmptyCacheReturnsEverything) {
  std::vector<Tensor> ts;
  for (int64_t n : {5000, 70000, 1 << 20, 3000000}) ts.push_back(empty_f32(n));
  for (auto& t : ts) EXPECT_EQ(nb_tensor_data(t.get()) % 64, 0);
  ts.clear();
#ifndef NABLA_SANITIZE
  EXPECT_GT(nb_cached_bytes(), 0);
#endif
  nb_empty_cache();
  EXPECT_EQ(nb_cached_bytes(), 0);
  nb_empty_cache();  // twice is fine
  EXPECT_EQ(nb_cached_bytes(), 0);
  EXPECT_EQ(nb_live_tensors(), 0);
}

TEST(StorageCache, ConcurrentAllocationsAndFrees) {
  auto job = [](int seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int64_t> size(1000, 300000);
    for (int i = 0; i < 300; ++i) {
      Tensor t = empty_f32(size(rng));
      float* d = reinterpret_cast<float*>(nb_tensor_data(t.get()));
      d[0] = 1.0f;  // touch it: ASan checks the buffer is ours
    }
  };
  std::thread a(job, 1), b(job, 2);
  a.join();
  b.join();
  nb_empty_cache();
  EXPECT_EQ(nb_cached_bytes(), 0);
}

}  // namespace
