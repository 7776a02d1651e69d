// Network ops (conv2d, max_pool2d, avg_pool2d, dropout, embedding, one_hot) against naive loops on
// random configurations, including their gradients, second-order conv2d gradients, NaN
// propagation through max pooling, and the errors' wording.
#include "test_util.h"

using namespace nbtest;

namespace {

const int32_t kFloatTypes[] = {NB_DTYPE_F32, NB_DTYPE_F64};

// Calls a registry op; returns its outputs, or records a failure and returns none.
std::vector<Tensor> call(const char *op, const std::vector<const nb_tensor *> &in,
                         const std::vector<int64_t> &ints, int32_t flags = 0) {
  int32_t id = nb_op_find(op);
  EXPECT_GE(id, 0) << op;
  nb_tensor *outs[4] = {};
  int32_t n = 0;
  nb_status *s = nb_op_call(flags, id, in.data(), static_cast<int32_t>(in.size()), nullptr, 0,
                            ints.data(), static_cast<int32_t>(ints.size()), outs, 4, &n);
  std::vector<Tensor> r;
  if (s) {
    ADD_FAILURE() << op << ": " << take_message(s);
    return r;
  }
  for (int32_t k = 0; k < n; ++k) r.emplace_back(outs[k]);
  return r;
}

std::string call_error(const char *op, const std::vector<const nb_tensor *> &in,
                       const std::vector<int64_t> &ints, int32_t code) {
  nb_tensor *outs[4] = {};
  int32_t n = 0;
  return expect_error(nb_op_call(0, nb_op_find(op), in.data(), static_cast<int32_t>(in.size()),
                                 nullptr, 0, ints.data(), static_cast<int32_t>(ints.size()), outs,
                                 4, &n),
                      code);
}

Tensor grad_of(const Tensor &t) {
  Tensor g(nb_tensor_grad(t.get()));
  EXPECT_TRUE(g) << "no .grad";
  return g;
}

double tol(int32_t dt, double magnitude) {
  return (dt == NB_DTYPE_F32 ? 1e-4 : 1e-11) * std::max(1.0, std::fabs(magnitude));
}

void expect_close(const std::vector<double> &got, const std::vector<double> &want, int32_t dt,
                  const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i;
      continue;
    }
    if (std::isinf(want[i])) {  // a window of padding only
      EXPECT_EQ(got[i], want[i]) << what << " at " << i;
      continue;
    }
    EXPECT_NEAR(got[i], want[i], tol(dt, want[i])) << what << " at flat index " << i;
  }
}

// ---- conv2d ----

struct ConvCase {
  int64_t n, groups, cg, og, h, w, kh, kw, sh, sw, ph, pw, dh, dw;
  bool bias;
  int64_t c() const { return cg * groups; }
  int64_t o() const { return og * groups; }
  int64_t oh() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
  int64_t ow() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
  bool valid() const { return h + 2 * ph >= dh * (kh - 1) + 1 && w + 2 * pw >= dw * (kw - 1) + 1; }
  std::string str() const {
    std::ostringstream os;
    os << "x [" << n << ", " << c() << ", " << h << ", " << w << "] w [" << o() << ", " << cg << ", "
       << kh << ", " << kw << "] stride (" << sh << ", " << sw << ") pad (" << ph << ", " << pw
       << ") dil (" << dh << ", " << dw << ") groups " << groups << (bias ? " bias" : "");
    return os.str();
  }
  std::vector<int64_t> ints() const { return {sh, sw, ph, pw, dh, dw, groups}; }
};

// The 7 loops: y[n, o, oy, ox] = b[o] + sum over the group's channels and the kernel taps.
// Also the gradients for an incoming gy, from the same loops.
struct ConvRef {
  std::vector<double> y, gx, gw, gb;
};

ConvRef conv_ref(const ConvCase &k, const std::vector<double> &x, const std::vector<double> &w,
                 const std::vector<double> &b, const std::vector<double> &gy) {
  ConvRef r;
  int64_t oh = k.oh(), ow = k.ow(), c = k.c(), o = k.o();
  r.y.assign(k.n * o * oh * ow, 0.0);
  r.gx.assign(x.size(), 0.0);
  r.gw.assign(w.size(), 0.0);
  r.gb.assign(o, 0.0);
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t yi = ((n * o + oc) * oh + oy) * ow + ox;
          double acc = k.bias ? b[oc] : 0.0;
          r.gb[oc] += gy[yi];
          int64_t grp = oc / k.og;
          for (int64_t ci = 0; ci < k.cg; ++ci)
            for (int64_t ki = 0; ki < k.kh; ++ki)
              for (int64_t kj = 0; kj < k.kw; ++kj) {
                int64_t iy = oy * k.sh - k.ph + ki * k.dh, ix = ox * k.sw - k.pw + kj * k.dw;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                int64_t xi = ((n * c + grp * k.cg + ci) * k.h + iy) * k.w + ix;
                int64_t wi = ((oc * k.cg + ci) * k.kh + ki) * k.kw + kj;
                acc += x[xi] * w[wi];
                r.gx[xi] += w[wi] * gy[yi];
                r.gw[wi] += x[xi] * gy[yi];
              }
          r.y[yi] = acc;
        }
  return r;
}

TEST(Conv2d, MatchesNaiveLoopsWithGradients) {
  std::mt19937 rng(42);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int tested = 0;
  for (int iter = 0; iter < 200 && tested < 60; ++iter) {
    ConvCase k{pick(1, 3), pick(1, 3), pick(1, 3), pick(1, 3), pick(1, 8), pick(1, 8), pick(1, 3), pick(1, 3),
               pick(1, 3), pick(1, 3), pick(0, 2), pick(0, 2), pick(1, 2), pick(1, 2), pick(0, 1) == 1};
    if (!k.valid()) continue;
    ++tested;
    for (int32_t dt : kFloatTypes) {
      Layout layout = kLayouts[tested % 3];
      SCOPED_TRACE(k.str() + " dtype " + std::to_string(dt) + " " + layout_name(layout));
      Shape xs{k.n, k.c(), k.h, k.w}, ws{k.o(), k.cg, k.kh, k.kw}, ys{k.n, k.o(), k.oh(), k.ow()};
      auto xv = rounded(random_values(rng, numel_of(xs)), dt);
      auto wv = rounded(random_values(rng, numel_of(ws)), dt);
      auto bv = rounded(random_values(rng, k.o()), dt);
      auto gv = rounded(random_values(rng, numel_of(ys)), dt);
      Tensor x = make_tensor(xv, xs, dt, layout), w = make_tensor(wv, ws, dt, layout);
      Tensor b = from_vector(bv, {k.o()}, dt), gy = from_vector(gv, ys, dt);
      NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
      NB_ASSERT_OK(nb_tensor_set_requires_grad(w.get(), 1));
      NB_ASSERT_OK(nb_tensor_set_requires_grad(b.get(), 1));
      std::vector<const nb_tensor *> in{x.get(), w.get()};
      if (k.bias) in.push_back(b.get());
      auto out = call("conv2d", in, k.ints(), NB_GRAD);
      ASSERT_EQ(out.size(), 1u);
      ASSERT_EQ(shape_of(out[0].get()), ys);
      ConvRef r = conv_ref(k, xv, wv, bv, gv);
      expect_close(to_vector(out[0].get()), r.y, dt, "y");
      NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), gy.get(), 0, 0));
      expect_close(to_vector(grad_of(x).get()), r.gx, dt, "grad x");
      expect_close(to_vector(grad_of(w).get()), r.gw, dt, "grad w");
      if (k.bias) expect_close(to_vector(grad_of(b).get()), r.gb, dt, "grad b");
    }
  }
  EXPECT_GE(tested, 40);
}

// gx = conv_input_grad(gy, w) is linear in w, so d<gx, v>/dw taken by a second backward must
// equal the finite difference of <gx(w), v> (exact up to rounding for a linear map).
TEST(Conv2d, SecondOrderGradientOfTheInputGradient) {
  std::mt19937 rng(7);
  ConvCase k{2, 2, 2, 1, 5, 5, 3, 2, 2, 1, 1, 1, 2, 1, false};
  Shape xs{k.n, k.c(), k.h, k.w}, ws{k.o(), k.cg, k.kh, k.kw}, ys{k.n, k.o(), k.oh(), k.ow()};
  auto xv = random_values(rng, numel_of(xs)), wv = random_values(rng, numel_of(ws));
  auto gv = random_values(rng, numel_of(ys)), vv = random_values(rng, numel_of(xs));
  auto inner = [&](const std::vector<double> &wvals, std::vector<double> *gw_out) {
    Tensor x = from_vector(xv, xs), w = from_vector(wvals, ws), gy = from_vector(gv, ys), v = from_vector(vv, xs);
    EXPECT_EQ(nb_tensor_set_requires_grad(x.get(), 1), nullptr);
    EXPECT_EQ(nb_tensor_set_requires_grad(w.get(), 1), nullptr);
    auto y = call("conv2d", {x.get(), w.get()}, k.ints(), NB_GRAD);
    EXPECT_EQ(nb_tensor_backward(NB_GRAD, y[0].get(), gy.get(), 0, 1), nullptr);  // create_graph
    Tensor gx = grad_of(x);
    nb_tensor *prod = nullptr, *s = nullptr;
    EXPECT_EQ(nb_tensor_mul(NB_GRAD, gx.get(), v.get(), &prod), nullptr);
    Tensor p(prod);
    EXPECT_EQ(nb_tensor_sum(NB_GRAD, p.get(), &s), nullptr);
    Tensor st(s);
    double val = 0;
    EXPECT_EQ(nb_tensor_item(st.get(), &val), nullptr);
    if (gw_out) {
      nb_tensor *g0 = nb_tensor_grad(w.get());  // first-order grad, to subtract
      std::vector<double> first = to_vector(g0);
      nb_tensor_free(g0);
      EXPECT_EQ(nb_tensor_backward(NB_GRAD, st.get(), nullptr, 0, 0), nullptr);
      std::vector<double> total = to_vector(grad_of(w).get());
      gw_out->resize(total.size());
      for (size_t i = 0; i < total.size(); ++i) (*gw_out)[i] = total[i] - first[i];
    }
    // create_graph makes x.grad reach w and w.grad reach x (a cycle, as in PyTorch): clear them.
    EXPECT_EQ(nb_tensor_set_grad(x.get(), nullptr), nullptr);
    EXPECT_EQ(nb_tensor_set_grad(w.get(), nullptr), nullptr);
    return val;
  };
  std::vector<double> analytic;
  inner(wv, &analytic);
  for (size_t i = 0; i < wv.size(); ++i) {
    auto wp = wv, wm = wv;
    wp[i] += 1e-3;
    wm[i] -= 1e-3;
    double numeric = (inner(wp, nullptr) - inner(wm, nullptr)) / 2e-3;
    EXPECT_NEAR(analytic[i], numeric, 1e-8) << "d<gx, v>/dw[" << i << "]";
  }
}

TEST(Conv2d, ErrorsNameTheShapes) {
  Tensor x = full({2, 2, 5, 5}, 0.0), w = full({4, 3, 3, 3}, 0.0);
  std::string m = call_error("conv2d", {x.get(), w.get()}, {1, 1, 0, 0, 1, 1, 1}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 2, 5, 5] to have 3 "
                   "channels, but got 2 channels instead"),
            std::string::npos)
      << m;
  Tensor w3 = full({3, 1, 3, 3}, 0.0);
  m = call_error("conv2d", {x.get(), w3.get()}, {1, 1, 0, 0, 1, 1, 2}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("expected weight to be divisible by 2 at dimension 0"), std::string::npos) << m;
  Tensor small = full({1, 3, 2, 2}, 0.0);
  m = call_error("conv2d", {small.get(), w.get()}, {1, 1, 0, 0, 1, 1, 1}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("Kernel size can't be greater than actual input size"), std::string::npos) << m;
  EXPECT_NE(m.find("(2 x 2)"), std::string::npos) << m;
  Tensor b = full({3}, 0.0), x3 = full({2, 3, 5, 5}, 0.0);
  m = call_error("conv2d", {x3.get(), w.get(), b.get()}, {1, 1, 0, 0, 1, 1, 1}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("expected bias to be 1-dimensional with 4 elements, but got bias of size [3]"), std::string::npos) << m;
  m = call_error("conv2d", {x3.get(), w.get()}, {0, 1, 0, 0, 1, 1, 1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("non-positive stride"), std::string::npos) << m;
}

// ---- pooling ----

struct PoolCase {
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t oh() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
  int64_t ow() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
  std::string str() const {
    std::ostringstream os;
    os << "x [" << n << ", " << c << ", " << h << ", " << w << "] kernel (" << kh << ", " << kw << ") stride ("
       << sh << ", " << sw << ") pad (" << ph << ", " << pw << ") dil (" << dh << ", " << dw << ")";
    return os.str();
  }
};

TEST(MaxPool2d, MatchesNaiveLoopsWithGradients) {
  std::mt19937 rng(3);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int tested = 0;
  for (int iter = 0; iter < 400 && tested < 50; ++iter) {
    PoolCase k{pick(1, 2), pick(1, 3), pick(1, 7), pick(1, 7), pick(1, 3), pick(1, 3), pick(1, 3), pick(1, 3),
               pick(0, 1), pick(0, 1), pick(1, 2), pick(1, 2)};
    if (k.ph > (k.dh * (k.kh - 1) + 1) / 2 || k.pw > (k.dw * (k.kw - 1) + 1) / 2) continue;
    if (k.h + 2 * k.ph < k.dh * (k.kh - 1) + 1 || k.w + 2 * k.pw < k.dw * (k.kw - 1) + 1) continue;
    ++tested;
    for (int32_t dt : kFloatTypes) {
      SCOPED_TRACE(k.str() + " dtype " + std::to_string(dt));
      Shape xs{k.n, k.c, k.h, k.w}, ys{k.n, k.c, k.oh(), k.ow()};
      // Distinct values (a permutation) so the argmax is unique; a NaN in some planes.
      std::vector<double> xv(numel_of(xs));
      for (size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<double>(i) * 0.25 - 3;
      std::shuffle(xv.begin(), xv.end(), rng);
      if (tested % 4 == 0) xv[pick(0, xv.size() - 1)] = NAN;
      auto gv = rounded(random_values(rng, numel_of(ys)), dt);
      Tensor x = make_tensor(xv, xs, dt, kLayouts[tested % 3]), gy = from_vector(gv, ys, dt);
      NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
      auto out = call("max_pool2d", {x.get()}, {k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw}, NB_GRAD);
      ASSERT_EQ(out.size(), 2u);
      ASSERT_EQ(shape_of(out[0].get()), ys);
      ASSERT_EQ(nb_tensor_dtype(out[1].get()), NB_DTYPE_I64);
      std::vector<double> want(numel_of(ys)), want_idx(numel_of(ys)), want_gx(xv.size(), 0.0);
      for (int64_t pl = 0; pl < k.n * k.c; ++pl)
        for (int64_t oy = 0; oy < k.oh(); ++oy)
          for (int64_t ox = 0; ox < k.ow(); ++ox) {
            double best = -INFINITY;
            int64_t bi = -1;
            for (int64_t ki = 0; ki < k.kh; ++ki)
              for (int64_t kj = 0; kj < k.kw; ++kj) {
                int64_t iy = oy * k.sh - k.ph + ki * k.dh, ix = ox * k.sw - k.pw + kj * k.dw;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                double v = xv[pl * k.h * k.w + iy * k.w + ix];
                if (bi < 0 || std::isnan(v) || (!std::isnan(best) && v > best)) {
                  best = v;
                  bi = iy * k.w + ix;
                }
              }
            int64_t yi = (pl * k.oh() + oy) * k.ow() + ox;
            want[yi] = best;
            want_idx[yi] = static_cast<double>(bi);
            if (bi >= 0) want_gx[pl * k.h * k.w + bi] += gv[yi];
          }
      expect_close(to_vector(out[0].get()), want, dt, "values");
      EXPECT_EQ(to_vector(out[1].get()), want_idx);
      NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), gy.get(), 0, 0));
      expect_close(to_vector(grad_of(x).get()), want_gx, dt, "grad x");
    }
  }
  EXPECT_GE(tested, 30);
}

// The 2x2, stride-2 pool (most CNNs') has its own vectorized scan and a one-pass backward: checked
// against the loop on odd and even sizes wide enough for the vector loop, with ties (the first
// maximum wins), NaN (wins its window) and infinities.
TEST(MaxPool2d, TwoByTwoStrideTwoMatchesTheLoop) {
  std::mt19937 rng(11);
  const Shape sizes[] = {{1, 1, 2, 2}, {2, 3, 5, 7}, {1, 2, 26, 26}, {2, 2, 11, 11}, {1, 1, 4, 37}, {3, 1, 35, 18}};
  for (int32_t dt : kFloatTypes)
    for (const Shape &xs : sizes) {
      SCOPED_TRACE(shape_str(xs) + " dtype " + std::to_string(dt));
      const int64_t h = xs[2], w = xs[3], oh = h / 2, ow = w / 2, planes = xs[0] * xs[1];
      Shape ys{xs[0], xs[1], oh, ow};
      std::vector<double> xv(numel_of(xs));
      std::uniform_int_distribution<int> few(-3, 3);
      for (double &v : xv) v = few(rng);  // many ties
      for (size_t i = 0; i < xv.size(); i += 13) xv[i] = NAN;
      for (size_t i = 5; i < xv.size(); i += 17) xv[i] = INFINITY;
      for (size_t i = 7; i < xv.size(); i += 19) xv[i] = -INFINITY;
      auto gv = rounded(random_values(rng, numel_of(ys)), dt);
      Tensor x = from_vector(xv, xs, dt), gy = from_vector(gv, ys, dt);
      NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
      auto out = call("max_pool2d", {x.get()}, {2, 2, 2, 2, 0, 0, 1, 1}, NB_GRAD);
      ASSERT_EQ(out.size(), 2u);
      std::vector<double> want(numel_of(ys)), want_idx(numel_of(ys)), want_gx(xv.size(), 0.0);
      for (int64_t pl = 0; pl < planes; ++pl)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            double best = 0;
            int64_t bi = -1;
            for (int64_t ki = 0; ki < 2; ++ki)
              for (int64_t kj = 0; kj < 2; ++kj) {
                int64_t i = (2 * oy + ki) * w + 2 * ox + kj;
                double v = xv[pl * h * w + i];
                if (bi < 0 || std::isnan(v) || (!std::isnan(best) && v > best)) best = v, bi = i;
              }
            int64_t yi = (pl * oh + oy) * ow + ox;
            want[yi] = best;
            want_idx[yi] = static_cast<double>(bi);
            want_gx[pl * h * w + bi] += gv[yi];
          }
      auto got = to_vector(out[0].get());
      for (size_t i = 0; i < want.size(); ++i)
        if (std::isnan(want[i]))
          EXPECT_TRUE(std::isnan(got[i])) << "value at " << i;
        else
          EXPECT_EQ(got[i], want[i]) << "value at " << i;
      EXPECT_EQ(to_vector(out[1].get()), want_idx);
      NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), gy.get(), 0, 0));
      EXPECT_EQ(to_vector(grad_of(x).get()), want_gx);  // uncovered rows and columns get exact zeros
    }
}

// Convolutions whose images give at least 256 output positions run one GEMM per image, and with
// the forward's columns kept the weight gradient reads them at the batch's row stride; the input
// gradient of many channels comes in blocks of images. Checked against the loops when only the
// weight, only the input, or both need gradients.
TEST(Conv2d, WideImagesMatchNaiveLoops) {
  std::mt19937 rng(29);
  const ConvCase cases[] = {// narrow images, but enough channels that the columns come in blocks of
                            // 2^18 elements per thread: 2 or 4 images, the last block partial, with
                            // nothing kept for the weight gradient (every block rebuilt)
                            {7, 1, 64, 3, 17, 17, 3, 3, 1, 1, 0, 0, 1, 1, true},
                            // the same with two groups and padding, 5 or 10 images a block
                            {13, 2, 24, 3, 11, 11, 3, 3, 1, 1, 1, 1, 1, 1, true},
                            {3, 1, 1, 4, 18, 18, 3, 3, 1, 1, 0, 0, 1, 1, true},
                            {2, 2, 2, 3, 20, 17, 3, 3, 1, 1, 1, 1, 1, 1, true},
                            {2, 1, 3, 2, 33, 30, 2, 3, 2, 1, 0, 1, 1, 1, false}};
  const int32_t before = nb_get_num_threads();
  for (int32_t threads : {1, 2})
  for (const ConvCase &k : cases)
    for (int32_t dt : kFloatTypes)
      for (int which = 0; which < 3; ++which) {  // 0: x and w, 1: w only, 2: x only
        NB_ASSERT_OK(nb_set_num_threads(threads));
        SCOPED_TRACE(k.str() + " dtype " + std::to_string(dt) + " grads " + std::to_string(which) + " threads " +
                     std::to_string(threads));
        ASSERT_TRUE(k.oh() * k.ow() >= 256 || k.c() * k.kh * k.kw * k.oh() * k.ow() * k.n > (threads << 18));
        Shape xs{k.n, k.c(), k.h, k.w}, ws{k.o(), k.cg, k.kh, k.kw}, ys{k.n, k.o(), k.oh(), k.ow()};
        auto xv = rounded(random_values(rng, numel_of(xs)), dt), wv = rounded(random_values(rng, numel_of(ws)), dt);
        auto bv = rounded(random_values(rng, k.o()), dt), gv = rounded(random_values(rng, numel_of(ys)), dt);
        Tensor x = from_vector(xv, xs, dt), w = from_vector(wv, ws, dt), b = from_vector(bv, {k.o()}, dt);
        Tensor gy = from_vector(gv, ys, dt);
        if (which != 1) NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
        if (which != 2) NB_ASSERT_OK(nb_tensor_set_requires_grad(w.get(), 1));
        std::vector<const nb_tensor *> in{x.get(), w.get()};
        if (k.bias) in.push_back(b.get());
        auto out = call("conv2d", in, k.ints(), NB_GRAD);
        ASSERT_EQ(out.size(), 1u);
        ConvRef r = conv_ref(k, xv, wv, bv, gv);
        expect_close(to_vector(out[0].get()), r.y, dt, "y");
        NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), gy.get(), 0, 0));
        if (which != 1) expect_close(to_vector(grad_of(x).get()), r.gx, dt, "grad x");
        if (which != 2) expect_close(to_vector(grad_of(w).get()), r.gw, dt, "grad w");
      }
  NB_ASSERT_OK(nb_set_num_threads(before));
}

TEST(AvgPool2d, MatchesNaiveLoopsWithGradients) {
  std::mt19937 rng(5);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  int tested = 0;
  for (int iter = 0; iter < 400 && tested < 50; ++iter) {
    PoolCase k{pick(1, 2), pick(1, 3), pick(1, 7), pick(1, 7), pick(1, 4), pick(1, 4), pick(1, 3), pick(1, 3),
               pick(0, 2), pick(0, 2), 1, 1};
    if (k.ph > k.kh / 2 || k.pw > k.kw / 2 || k.h + 2 * k.ph < k.kh || k.w + 2 * k.pw < k.kw) continue;
    ++tested;
    for (int64_t cip = 0; cip < 2; ++cip)
      for (int32_t dt : kFloatTypes) {
        SCOPED_TRACE(k.str() + " count_include_pad " + std::to_string(cip) + " dtype " + std::to_string(dt));
        Shape xs{k.n, k.c, k.h, k.w}, ys{k.n, k.c, k.oh(), k.ow()};
        auto xv = rounded(random_values(rng, numel_of(xs)), dt);
        auto gv = rounded(random_values(rng, numel_of(ys)), dt);
        Tensor x = make_tensor(xv, xs, dt, kLayouts[tested % 3]), gy = from_vector(gv, ys, dt);
        NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
        auto out = call("avg_pool2d", {x.get()}, {k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, cip}, NB_GRAD);
        ASSERT_EQ(out.size(), 1u);
        ASSERT_EQ(shape_of(out[0].get()), ys);
        std::vector<double> want(numel_of(ys)), want_gx(xv.size(), 0.0);
        for (int64_t pl = 0; pl < k.n * k.c; ++pl)
          for (int64_t oy = 0; oy < k.oh(); ++oy)
            for (int64_t ox = 0; ox < k.ow(); ++ox) {
              double s = 0;
              int64_t inside = 0;
              for (int64_t ki = 0; ki < k.kh; ++ki)
                for (int64_t kj = 0; kj < k.kw; ++kj) {
                  int64_t iy = oy * k.sh - k.ph + ki, ix = ox * k.sw - k.pw + kj;
                  if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                  s += xv[pl * k.h * k.w + iy * k.w + ix];
                  ++inside;
                }
              double div = cip ? static_cast<double>(k.kh * k.kw) : static_cast<double>(inside);
              int64_t yi = (pl * k.oh() + oy) * k.ow() + ox;
              want[yi] = s / div;
              for (int64_t ki = 0; ki < k.kh; ++ki)
                for (int64_t kj = 0; kj < k.kw; ++kj) {
                  int64_t iy = oy * k.sh - k.ph + ki, ix = ox * k.sw - k.pw + kj;
                  if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) want_gx[pl * k.h * k.w + iy * k.w + ix] += gv[yi] / div;
                }
            }
        expect_close(to_vector(out[0].get()), want, dt, "values");
        NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), gy.get(), 0, 0));
        expect_close(to_vector(grad_of(x).get()), want_gx, dt, "grad x");
      }
  }
  EXPECT_GE(tested, 30);
}

TEST(Pool2d, ErrorsUsePyTorchWords) {
  Tensor x = full({1, 1, 2, 2}, 0.0);
  std::string m = call_error("max_pool2d", {x.get()}, {3, 3, 1, 1, 2, 2, 1, 1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("pad should be at most half of effective kernel size"), std::string::npos) << m;
  m = call_error("max_pool2d", {x.get()}, {3, 3, 1, 1, 0, 0, 1, 1}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("Output size is too small"), std::string::npos) << m;
  m = call_error("avg_pool2d", {x.get()}, {0, 2, 1, 1, 0, 0, 1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("kernel_size must be greater than zero"), std::string::npos) << m;
}

// ---- dropout ----

TEST(Dropout, KeepsOneMinusPScaledAndIsReproducible) {
  for (int32_t dt : kFloatTypes) {
    Tensor x = full({100, 100}, 2.0, dt);
    NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
    Generator g(nb_generator_new(11)), g2(nb_generator_new(11));
    nb_tensor *raw = nullptr, *raw2 = nullptr;
    NB_ASSERT_OK(nb_tensor_dropout(NB_GRAD, g.get(), x.get(), 0.3, 1, &raw));
    NB_ASSERT_OK(nb_tensor_dropout(NB_GRAD, g2.get(), x.get(), 0.3, 1, &raw2));
    Tensor y(raw), y2(raw2);
    std::vector<double> v = to_vector(y.get());
    EXPECT_EQ(v, to_vector(y2.get()));
    int64_t kept = 0;
    for (double e : v) {
      if (e != 0) {
        EXPECT_NEAR(e, 2.0 / 0.7, 1e-6);
        ++kept;
      }
    }
    EXPECT_NEAR(kept / 10000.0, 0.7, 0.03);  // 6 sigma of a binomial(10000, 0.7) fraction
    EXPECT_STREQ(nb_tensor_grad_fn_name(y.get()), "NativeDropoutBackward0");
    Tensor ones = full({100, 100}, 1.0, dt);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, y.get(), ones.get(), 0, 0));
    std::vector<double> gx = to_vector(grad_of(x).get());
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(gx[i], v[i] / 2.0, 1e-6);  // mask * scale
  }
}

TEST(Dropout, IdentityWhenNotTrainingOrPZeroAndZerosForPOne) {
  Tensor x = full({3, 4}, 1.5);
  Generator g(nb_generator_new(1));
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_dropout(0, g.get(), x.get(), 0.5, 0, &raw));
  Tensor a(raw);
  EXPECT_EQ(nb_tensor_data(a.get()), nb_tensor_data(x.get()));
  NB_ASSERT_OK(nb_tensor_dropout(0, g.get(), x.get(), 0.0, 1, &raw));
  Tensor b(raw);
  EXPECT_EQ(nb_tensor_data(b.get()), nb_tensor_data(x.get()));
  NB_ASSERT_OK(nb_tensor_dropout(0, g.get(), x.get(), 1.0, 1, &raw));
  Tensor c(raw);
  for (double e : to_vector(c.get())) EXPECT_EQ(e, 0.0);
  std::string m = expect_error(nb_tensor_dropout(0, g.get(), x.get(), 1.5, 1, &raw), NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("dropout probability has to be between 0 and 1"), std::string::npos) << m;
}

// ---- embedding, one_hot ----

TEST(Embedding, GathersRowsAndAccumulatesRepeatedIndices) {
  for (int32_t dt : kFloatTypes) {
    std::vector<double> wv{0, 1, 10, 11, 20, 21};  // row r = [10 r, 10 r + 1]
    Tensor w = from_vector(wv, {3, 2}, dt);
    NB_ASSERT_OK(nb_tensor_set_requires_grad(w.get(), 1));
    Tensor idx = from_vector({2, 0, 2, 2}, {2, 2}, NB_DTYPE_I64);
    auto out = call("embedding", {idx.get(), w.get()}, {}, NB_GRAD);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(shape_of(out[0].get()), (Shape{2, 2, 2}));
    EXPECT_EQ(to_vector(out[0].get()), (std::vector<double>{20, 21, 0, 1, 20, 21, 20, 21}));
    Tensor g = from_vector({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}, dt);
    NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out[0].get(), g.get(), 0, 0));
    // row 0 gets g[0, 1]; row 2 gets g[0, 0] + g[1, 0] + g[1, 1]; row 1 nothing.
    EXPECT_EQ(to_vector(grad_of(w).get()), (std::vector<double>{3, 4, 0, 0, 1 + 5 + 7, 2 + 6 + 8}));
  }
  Tensor w = full({3, 2}, 0.0), bad = from_vector({3}, {1}, NB_DTYPE_I64);
  std::string m = call_error("embedding", {bad.get(), w.get()}, {}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("index out of range in self"), std::string::npos) << m;
}

TEST(OneHot, MatchesIndicesAndInfersClasses) {
  Tensor idx = from_vector({1, 0, 3}, {3}, NB_DTYPE_I64);
  auto out = call("one_hot", {idx.get()}, {-1});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(nb_tensor_dtype(out[0].get()), NB_DTYPE_I64);
  EXPECT_EQ(shape_of(out[0].get()), (Shape{3, 4}));
  EXPECT_EQ(to_vector(out[0].get()), (std::vector<double>{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}));
  std::string m = call_error("one_hot", {idx.get()}, {3}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("Class values must be smaller than num_classes"), std::string::npos) << m;
}

}  // namespace
