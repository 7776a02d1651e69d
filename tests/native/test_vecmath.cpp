// Accuracy of the float32 vector math (native/src/kernels/vecmath.h) against a float64 reference
// rounded to float32, on a dense sweep (every 1000th float32 bit pattern, both signs, all
// exponents) plus edge values, for both compiled paths (AVX2+FMA when this CPU has it, and the
// x86-64 baseline). Max ulp error per function is printed and asserted; NaN/inf/signed-zero
// results must match exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <string>
#include <limits>
#include <vector>

#include "kernels/vecmath.h"

namespace {

using nabla::vm::bits;
using Kernel = void (*)(const float*, float*, int64_t);

// Distance in representable floats; NaN vs NaN is 0, NaN vs number is "infinite".
int64_t ulp_diff(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  if (a == b) return std::signbit(a) == std::signbit(b) || a != 0 ? 0 : 1;
  auto key = [](float f) {
    uint32_t u = bits(f);
    return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : static_cast<int64_t>(u);
  };
  int64_t d = key(a) - key(b);
  return d < 0 ? -d : d;
}

std::vector<float> sweep_inputs() {
  std::vector<float> xs;
  for (uint64_t u = 0; u <= 0xffffffffull; u += 1000) xs.push_back(nabla::vm::from_bits(static_cast<uint32_t>(u)));
  const float inf = std::numeric_limits<float>::infinity();
  const float edges[] = {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                         std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                         std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                         -std::numeric_limits<float>::max(), 1.0f, -1.0f, 0.5f, 2.0f,
                         88.7228f, 88.72283f, 88.72284f, 88.7229f, 89.0f, -87.33654f, -87.3366f, -100.0f,
                         -103.97207f, -103.9721f, -104.0f, -150.0f, 0.625f, -0.625f, 0.62499994f, 9.0f,
                         -9.0f, 1e-20f, -1e-20f, 20.0f, 20.000002f, 1.0000001f, 0.99999994f};
  for (float e : edges) xs.push_back(e);
  // A dense stretch around 0 and the interesting range [-110, 110].
  for (float v = -110.0f; v <= 110.0f; v += 0.0137f) xs.push_back(v);
  return xs;
}

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct Case {
  const char* name;
  Kernel avx2, base;
  double (*ref)(double);
  int64_t max_ulp;
  // Results below 2^-100 checked to an absolute 2^-112 instead (silu and gelu multiply a sigmoid
  // that is already in the denormal range there).
  bool tiny_abs = false;
};

double softplus_ref(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }
void vsoftplus1_avx2(const float* x, float* y, int64_t n) { nabla::vm::vsoftplus_avx2(x, y, n, 1.0f, 20.0f); }
void vsoftplus1_base(const float* x, float* y, int64_t n) { nabla::vm::vsoftplus_base(x, y, n, 1.0f, 20.0f); }

const Case kCases[] = {
    {"exp", nabla::vm::vexp_avx2, nabla::vm::vexp_base, [](double x) { return std::exp(x); }, 2},
    {"log", nabla::vm::vlog_avx2, nabla::vm::vlog_base, [](double x) { return std::log(x); }, 2},
    {"tanh", nabla::vm::vtanh_avx2, nabla::vm::vtanh_base, [](double x) { return std::tanh(x); }, 3},
    {"sigmoid", nabla::vm::vsigmoid_avx2, nabla::vm::vsigmoid_base, sigmoid_ref, 3},
    {"silu", nabla::vm::vsilu_avx2, nabla::vm::vsilu_base, [](double x) { return x * sigmoid_ref(x); }, 4, true},
    {"gelu_tanh", nabla::vm::vgelu_tanh_avx2, nabla::vm::vgelu_tanh_base,
     [](double x) { return x * sigmoid_ref(2.0 * 0.7978845608028654 * (x + 0.044715 * x * x * x)); }, 16, true},
    {"softplus", vsoftplus1_avx2, vsoftplus1_base, softplus_ref, 3},
};

TEST(VecMath, MaxUlpOnDenseSweep) {
  std::vector<float> xs = sweep_inputs();
  std::vector<float> ys(xs.size());
  bool avx2 = nabla::vm::cpu_has_avx2_fma();
  std::printf("%-10s %12s %12s   (vs float64 reference rounded to float32, %zu inputs)\n", "function",
              "avx2+fma", "baseline", xs.size());
  for (const Case& c : kCases) {
    int64_t worst[2] = {0, 0};
    float worst_x[2] = {0, 0};
    // gelu below x = -3 is ill-conditioned (see vecmath.h): checked by relative error there.
    bool gelu = std::string(c.name) == "gelu_tanh";
    double worst_rel = 0;
    for (int path = 0; path < 2; ++path) {
      if (path == 0 && !avx2) continue;
      (path == 0 ? c.avx2 : c.base)(xs.data(), ys.data(), static_cast<int64_t>(xs.size()));
      for (size_t i = 0; i < xs.size(); ++i) {
        double exact = c.ref(static_cast<double>(xs[i]));
        float want = static_cast<float>(exact);
        if (c.tiny_abs && std::fabs(exact) < 0x1p-100) {
          EXPECT_LE(std::fabs(ys[i] - exact), 0x1p-112) << c.name << " at " << xs[i];
          continue;
        }
        if (gelu && xs[i] < -3.0f) {
          if (std::isfinite(exact))
            worst_rel = std::max(worst_rel, std::fabs((ys[i] - exact) / exact));
          else
            EXPECT_EQ(ulp_diff(ys[i], want), 0) << "gelu at " << xs[i];
          continue;
        }
        int64_t d = ulp_diff(ys[i], want);
        if (d > worst[path]) {
          worst[path] = d;
          worst_x[path] = xs[i];
        }
      }
    }
    std::printf("%-10s %12lld %12lld   (worst at x = %.9g / %.9g)\n", c.name, static_cast<long long>(worst[0]),
                static_cast<long long>(worst[1]), worst_x[0], worst_x[1]);
    if (gelu) {
      std::printf("%-10s max relative error %.3g for x < -3\n", "", worst_rel);
      EXPECT_LE(worst_rel, 3e-5);
    }
    EXPECT_LE(worst[0], c.max_ulp) << c.name << " avx2 at x = " << worst_x[0];
    EXPECT_LE(worst[1], c.max_ulp) << c.name << " baseline at x = " << worst_x[1];
  }
}

// The special values, exactly as PyTorch gives them.
TEST(VecMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  using namespace nabla::vm;
  EXPECT_EQ(exp_f(-inf), 0.0f);
  EXPECT_EQ(exp_f(inf), inf);
  EXPECT_TRUE(std::isnan(exp_f(nan)));
  EXPECT_EQ(exp_f(89.0f), inf);
  EXPECT_EQ(exp_f(-104.0f), 0.0f);
  EXPECT_EQ(exp_f(0.0f), 1.0f);
  EXPECT_EQ(exp_f(-103.0f), std::exp(-103.0f));  // a denormal
  EXPECT_EQ(log_f(0.0f), -inf);
  EXPECT_EQ(log_f(-0.0f), -inf);
  EXPECT_TRUE(std::isnan(log_f(-1.0f)));
  EXPECT_TRUE(std::isnan(log_f(-inf)));
  EXPECT_EQ(log_f(inf), inf);
  EXPECT_EQ(log_f(1.0f), 0.0f);
  EXPECT_EQ(log_f(std::numeric_limits<float>::denorm_min()), std::log(std::numeric_limits<float>::denorm_min()));
  EXPECT_TRUE(std::isnan(log_f(nan)));
  EXPECT_EQ(tanh_f(inf), 1.0f);
  EXPECT_EQ(tanh_f(-inf), -1.0f);
  EXPECT_TRUE(std::signbit(tanh_f(-0.0f)));
  EXPECT_TRUE(std::isnan(tanh_f(nan)));
  EXPECT_EQ(sigmoid_f(-inf), 0.0f);
  EXPECT_EQ(sigmoid_f(inf), 1.0f);
  EXPECT_EQ(sigmoid_f(0.0f), 0.5f);
  EXPECT_TRUE(std::isnan(sigmoid_f(nan)));
  EXPECT_TRUE(std::isnan(silu_f(-inf)));  // -inf / inf, as PyTorch
  EXPECT_EQ(silu_f(inf), inf);
  EXPECT_EQ(gelu_tanh_f(inf), inf);
  EXPECT_TRUE(std::isnan(gelu_tanh_f(-inf)));  // -inf * 0, as PyTorch
  EXPECT_EQ(softplus_f(inf, 1, 20), inf);
  EXPECT_EQ(softplus_f(-inf, 1, 20), 0.0f);
  EXPECT_EQ(softplus_f(25.0f, 1, 20), 25.0f);
  EXPECT_TRUE(std::isnan(softplus_f(nan, 1, 20)));
}

// Lengths that are not multiples of the vector width, and unaligned starts, give the same values
// as element-by-element calls.
TEST(VecMath, OddLengthsMatchScalar) {
  std::vector<float> xs(203);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = -30.0f + 0.3f * static_cast<float>(i);
  for (int64_t start : {0, 1, 3})
    for (int64_t n : {0, 1, 7, 9, 17, 199}) {
      std::vector<float> y(static_cast<size_t>(n) + 1, -7.0f);
      nabla::vm::vexp(xs.data() + start, y.data(), n);
      for (int64_t i = 0; i < n; ++i) EXPECT_LE(ulp_diff(y[i], std::exp(xs[start + i])), 2);
      EXPECT_EQ(y[n], -7.0f);  // nothing written past the end
    }
}

}  // namespace
