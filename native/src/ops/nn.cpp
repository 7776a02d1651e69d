// Network ops (torch.nn.functional): conv2d, max_pool2d, avg_pool2d, dropout, embedding, one_hot.
// Each forward is followed by its backward rule.
//
// Note [linear op families]: conv2d, pooling and embedding are linear in each input, so their
// backward rules are linear maps too, and the backward of a backward is again a member of the
// same small family (conv2d <-> its input and weight gradients, gather <-> scatter,
// avg_pool2d <-> its adjoint). Each member records a node, so create_graph gives second (and
// higher) order gradients with no extra formulas.
#include "ops/nn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/blas.h"
#include "kernels/parallel.h"
#include "ops/pool2x2.h"
#include "ops/random.h"
#include "ops/registry.h"

namespace nabla {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

bool wants(const Node& n, size_t i) { return i < n.next.size() && n.next[i].fn; }

// Skips the empty products BLAS may not like; k == 0 leaves beta * C (beta is 0 or 1 here).
template <class T>
void gemm_safe(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == T(0))
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  blas_gemm(ta, tb, m, n, k, T(1), a, lda, b, ldb, beta, c, ldc);
}

void check_float(const Tensor& t, const char* op, const char* what) {
  if (!is_floating(t->dtype))
    fail_arg(std::string(op) + ": expected a float32 or float64 " + what + ", got " +
             dtype_name(t->dtype) + " " + shape_of(t));
}

Tensor with_batch(const Tensor& t, Ctx ctx) {
  Dims s = t->shape;
  s.insert_at(0, 1);
  return reshape(t, s, ctx);
}

Tensor without_batch(const Tensor& t, Ctx ctx) {
  Dims s(t->shape.begin() + 1, t->shape.end());
  return reshape(t, s, ctx);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// conv2d: im2col + GEMM per image and group.

namespace {

// The geometry of one convolution: input [n, c, h, w], weight [o, c / groups, kh, kw],
// output [n, o, oh, ow].
struct ConvGeom {
  int64_t n, c, h, w, o, kh, kw, oh, ow;
  Conv2dParams p;
  int64_t cg() const { return c / p.groups; }
  int64_t og() const { return o / p.groups; }
  int64_t l() const { return oh * ow; }   // output positions per image
  int64_t k() const { return cg() * kh * kw; }  // GEMM inner size per group
};

ConvGeom conv_geom(const Dims& x, const Dims& w, const Conv2dParams& p) {
  ConvGeom g{x[0], x[1], x[2], x[3], w[0], w[2], w[3], 0, 0, p};
  g.oh = (g.h + 2 * p.ph - p.dh * (g.kh - 1) - 1) / p.sh + 1;
  g.ow = (g.w + 2 * p.pw - p.dw * (g.kw - 1) - 1) / p.sw + 1;
  return g;
}

// Output columns ox whose input column ix = ox * sw - pw + kj * dw lies inside [0, w): [lo, hi).
inline void valid_cols(const ConvGeom& g, int64_t kj, int64_t& lo, int64_t& hi) {
  const Conv2dParams& p = g.p;
  int64_t off = kj * p.dw - p.pw;  // ix = ox * sw + off
  lo = off >= 0 ? 0 : (-off + p.sw - 1) / p.sw;
  hi = g.w - off <= 0 ? 0 : (g.w - off + p.sw - 1) / p.sw;
  hi = std::min(hi, g.ow);
  lo = std::min(lo, hi);
}

// cols [c * kh * kw, ld]: row (ci, ki, kj), columns [0, oh * ow) hold the input pixel each output
// position sees through kernel tap (ki, kj) of channel ci, 0 in the padding. A group's rows are
// contiguous. ld >= oh * ow lets a batch of images sit side by side in one matrix.
template <class T>
void im2col(const T* x, const ConvGeom& g, T* cols, int64_t ld) {
  const Conv2dParams& p = g.p;
  for (int64_t ci = 0; ci < g.c; ++ci) {
    const T* plane = x + ci * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        T* row = cols + ((ci * g.kh + ki) * g.kw + kj) * ld;
        int64_t lo, hi;
        valid_cols(g, kj, lo, hi);
        const int64_t off = kj * p.dw - p.pw;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          T* r = row + oy * g.ow;
          int64_t iy = oy * p.sh - p.ph + ki * p.dh;
          if (iy < 0 || iy >= g.h) {
            std::fill(r, r + g.ow, T(0));
            continue;
          }
          const T* src = plane + iy * g.w + off;
          for (int64_t ox = 0; ox < lo; ++ox) r[ox] = T(0);
          if (p.sw == 1)
            std::copy(src + lo, src + hi, r + lo);
          else
            for (int64_t ox = lo; ox < hi; ++ox) r[ox] = src[ox * p.sw];
          for (int64_t ox = hi; ox < g.ow; ++ox) r[ox] = T(0);
        }
      }
  }
}

// The adjoint of im2col: adds every column entry back onto the pixel it came from.
template <class T>
void col2im(const T* cols, const ConvGeom& g, T* x, int64_t ld) {
  const Conv2dParams& p = g.p;
  for (int64_t ci = 0; ci < g.c; ++ci) {
    T* plane = x + ci * g.h * g.w;
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const T* row = cols + ((ci * g.kh + ki) * g.kw + kj) * ld;
        int64_t lo, hi;
        valid_cols(g, kj, lo, hi);
        const int64_t off = kj * p.dw - p.pw;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          int64_t iy = oy * p.sh - p.ph + ki * p.dh;
          if (iy < 0 || iy >= g.h) continue;
          const T* r = row + oy * g.ow;
          T* dst = plane + iy * g.w + off;
          if (p.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] += r[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox * p.sw] += r[ox];
        }
      }
  }
}

// A scratch buffer from the caching allocator: uninitialized (a std::vector would zero it, and
// fresh pages fault on first touch), and recycled across the calls of a training loop.
template <class T>
Tensor scratch(int64_t n) {
  return empty(Dims{n}, std::is_same<T, float>::value ? DType::F32 : DType::F64);
}

// Images per GEMM. Narrow images (few output positions) go several to a GEMM, OpenBLAS being far
// faster on one [k, nb * l] matrix than on nb thin [k, l] ones, in blocks whose columns stay in the
// L2 cache (2^18 elements): the GEMM reads them right after im2col wrote them, and the weight
// gradient rebuilds them block by block rather than reading a whole batch's columns back from
// memory. F2's second conv (7 images a block): forward + weight gradient 6.6-7.0 ms against 7.5 with
// the batch's 8.9 MB of columns kept. Wide images (l >= 256, e.g. F2's first layer at 26x26)
// already give OpenBLAS a good shape per image: one image per GEMM there.
inline int64_t conv_chunk(const ConvGeom& g) {
  if (g.l() >= 256) return 1;
  int64_t per = std::max<int64_t>(1, g.c * g.kh * g.kw * g.l());
  return std::max<int64_t>(1, std::min<int64_t>(g.n, (int64_t(num_threads()) << 18) / per));
}

Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& p, Ctx ctx);
Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const Dims& xs, const Conv2dParams& p, Ctx ctx);
Tensor conv_weight_grad(const Tensor& x, const Tensor& gy, const Dims& ws, const Conv2dParams& p, Ctx ctx,
                        const Tensor& saved_cols = Tensor());

}  // namespace

// y = conv(x, w) + b. dL/dx = conv_input_grad(g, w) (GEMM with w^T, then col2im),
// dL/dw = conv_weight_grad(x, g) (GEMM of g with im2col(x)^T), dL/db = sum of g over N, H, W.
// Saves x only when w needs a gradient and w only when x does.
struct ConvolutionBackward0 final : Node {
  SavedTensor x, w;
  // The forward's column matrix of the whole batch, [c * kh * kw, n * oh * ow], kept (as PyTorch's
  // slow_conv2d keeps finput) so that the weight gradient need not rebuild it.
  SavedTensor cols;
  Dims xs, ws;
  Conv2dParams p;
  bool has_bias = false;
  const char* name() const override { return "ConvolutionBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor gx, gw, gb;
    if (wants(*this, 0)) gx = conv_input_grad(g[0], w.unpack(*this), xs, p, ctx);
    // The saved columns are constants: under create_graph the weight gradient is recorded from x.
    if (wants(*this, 1))
      gw = conv_weight_grad(x.unpack(*this), g[0], ws, p, ctx, ctx.grad || !cols.defined() ? Tensor() : cols.unpack(*this));
    if (has_bias && wants(*this, 2)) gb = sum_dims(g[0], {0, 2, 3}, false, ctx);
    if (has_bias) return {gx, gw, gb};
    return {gx, gw};
  }
  void release_saved() override {
    x.reset();
    w.reset();
    cols.reset();
  }
};

// gx = conv_input_grad(gy, w) is <conv(x, w), gy> differentiated by x, so for an incoming ggx:
// d<gx, ggx>/dgy = conv(ggx, w) and d<gx, ggx>/dw = conv_weight_grad(ggx, gy). Saves gy and w.
struct ConvInputGradBackward0 final : Node {
  SavedTensor gy, w;
  Dims ws;
  Conv2dParams p;
  const char* name() const override { return "ConvolutionBackwardBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor ggy, gw;
    if (wants(*this, 0)) ggy = conv_forward(g[0], w.unpack(*this), Tensor(), p, ctx);
    if (wants(*this, 1)) gw = conv_weight_grad(g[0], gy.unpack(*this), ws, p, ctx);
    return {ggy, gw};
  }
  void release_saved() override {
    gy.reset();
    w.reset();
  }
};

// gw = conv_weight_grad(x, gy) is <conv(x, w), gy> differentiated by w, so for an incoming ggw:
// d<gw, ggw>/dx = conv_input_grad(gy, ggw) and d<gw, ggw>/dgy = conv(x, ggw). Saves x and gy.
struct ConvWeightGradBackward0 final : Node {
  SavedTensor x, gy;
  Dims xs;
  Conv2dParams p;
  const char* name() const override { return "ConvolutionBackwardBackward1"; }
  Grads apply(Grads& g, Ctx ctx) override {
    Tensor gx, ggy;
    if (wants(*this, 0)) gx = conv_input_grad(gy.unpack(*this), g[0], xs, p, ctx);
    if (wants(*this, 1)) ggy = conv_forward(x.unpack(*this), g[0], Tensor(), p, ctx);
    return {gx, ggy};
  }
  void release_saved() override {
    x.reset();
    gy.reset();
  }
};

namespace {

// Unchecked: conv2d has validated the shapes (or they come from a recorded forward).
Tensor conv_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const Conv2dParams& p,
                    Ctx ctx) {
  Tensor x = contiguous(x_in, Ctx{}), w = contiguous(w_in, Ctx{});
  Tensor b = b_in ? contiguous(b_in, Ctx{}) : Tensor();
  ConvGeom g = conv_geom(x->shape, w->shape, p);
  Tensor y = empty({g.n, g.o, g.oh, g.ow}, x->dtype);
  const bool record_it = any_requires_grad(ctx, {&x_in, &w_in, &b_in});
  // Keep the whole batch's columns for the weight gradient when they fit in 64 MiB of float32 and
  // are written anyway: one block for the whole batch, or wide images (one GEMM per image, whose
  // weight gradient reads each image's columns in place). Narrow images in several blocks are
  // rebuilt block by block instead (conv_chunk).
  const int64_t chunk_n = conv_chunk(g);
  const bool keep = record_it && w_in->requires_grad() && (chunk_n == 1 || chunk_n >= g.n) &&
                    g.c * g.kh * g.kw * g.n * g.l() <= (int64_t(16) << 20);
  Tensor kept;
  NB_DISPATCH_FLOAT(x->dtype, "conv2d", [&] {
    using T = scalar_t;
    const int64_t k = g.k(), l = g.l(), og = g.og(), chunk = chunk_n;
    Tensor cols_buf = scratch<T>(g.c * g.kh * g.kw * (keep ? g.n : chunk) * l);
    T* cols = cols_buf->data<T>();
    if (keep) kept = cols_buf;
    Tensor tmp_buf = scratch<T>(g.o * chunk * l);
    T* tmp = tmp_buf->data<T>();
    const T* xp = x->data<T>();
    const T* wp = w->data<T>();
    const T* bp = b ? b->data<T>() : nullptr;
    T* yp = y->data<T>();
    for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
      const int64_t nb = std::min(chunk, g.n - n0), ld = nb * l;
      // Kept columns sit side by side for the whole batch (row stride n * l); else one chunk's.
      const int64_t cld = keep ? g.n * l : ld;
      T* cb = keep ? cols + n0 * l : cols;
      for (int64_t i = 0; i < nb; ++i) im2col(xp + (n0 + i) * g.c * g.h * g.w, g, cb + i * l, cld);
      // One image's [o, l] product is already y's layout: the GEMM writes y itself.
      T* prod = nb == 1 ? yp + n0 * g.o * l : tmp;
      for (int64_t grp = 0; grp < p.groups; ++grp)
        // prod[group rows] [og, nb * l] = w_g [og, k] @ cols_g [k, nb * l]
        gemm_safe(false, false, og, ld, k, wp + grp * og * k, k, cb + grp * k * cld, cld, T(0),
                  prod + grp * og * ld, ld);
      if (prod != tmp && !bp) continue;
      // [o, nb, l] -> y[n0 + i, o, l], adding the bias on the way (in place when prod is y).
      for (int64_t i = 0; i < nb; ++i)
        for (int64_t o = 0; o < g.o; ++o) {
          const T* src = prod + o * ld + i * l;
          T* dst = yp + ((n0 + i) * g.o + o) * l;
          const T bv = bp ? bp[o] : T(0);
          for (int64_t j = 0; j < l; ++j) dst[j] = src[j] + bv;
        }
    }
  });
  if (record_it) {
    auto* node = new ConvolutionBackward0;
    node->xs = x->shape;
    node->ws = w->shape;
    node->p = p;
    node->has_bias = static_cast<bool>(b_in);
    if (b_in)
      record(ctx, y, node, {&x_in, &w_in, &b_in});
    else
      record(ctx, y, node, {&x_in, &w_in});
    if (w_in->requires_grad()) node->save(node->x, x_in);
    if (x_in->requires_grad()) node->save(node->w, w_in);
    if (kept) node->save(node->cols, kept);
    node->has_saved = true;
  }
  return y;
}

// A chunk of images' output gradients gy[n0 + i, o, :] as [o, nb * l], channel-major, the layout
// both backward GEMMs read: one image is that already and is read in place; several are copied
// into buf (room for g.o * nb * l elements, unused when nb is 1).
template <class T>
const T* channels_first(const T* gp, const ConvGeom& g, int64_t n0, int64_t nb, T* buf) {
  const int64_t l = g.l(), ld = nb * l;
  if (nb == 1) return gp + n0 * g.o * l;
  for (int64_t i = 0; i < nb; ++i)
    for (int64_t o = 0; o < g.o; ++o)
      std::copy(gp + ((n0 + i) * g.o + o) * l, gp + ((n0 + i) * g.o + o + 1) * l, buf + o * ld + i * l);
  return buf;
}

// gx [n, c, h, w] = col2im(w_g^T @ gy_g) per image and group.
Tensor conv_input_grad(const Tensor& gy_in, const Tensor& w_in, const Dims& xs, const Conv2dParams& p,
                       Ctx ctx) {
  Tensor gy = contiguous(gy_in, Ctx{}), w = contiguous(w_in, Ctx{});
  ConvGeom g = conv_geom(xs, w->shape, p);
  Tensor gx = full(xs, gy->dtype, 0.0);
  NB_DISPATCH_FLOAT(gy->dtype, "conv2d backward", [&] {
    using T = scalar_t;
    // Column blocks of conv_chunk images: each GEMM's output is scattered back by col2im while it
    // is still in cache, instead of a whole batch's columns going out to memory and back.
    const int64_t k = g.k(), l = g.l(), og = g.og(), chunk = conv_chunk(g);
    Tensor cols_buf = scratch<T>(g.c * g.kh * g.kw * chunk * l);
    T* cols = cols_buf->data<T>();
    Tensor gyt_buf = chunk > 1 ? scratch<T>(g.o * chunk * l) : Tensor();
    T* gyt_room = chunk > 1 ? gyt_buf->data<T>() : nullptr;
    const T* gp = gy->data<T>();
    const T* wp = w->data<T>();
    T* xp = gx->data<T>();
    for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
      const int64_t nb = std::min(chunk, g.n - n0), ld = nb * l;
      const T* gyt = channels_first(gp, g, n0, nb, gyt_room);
      for (int64_t grp = 0; grp < p.groups; ++grp)
        // cols_g [k, nb * l] = w_g^T [k, og] @ gyt[group rows] [og, nb * l]
        gemm_safe(true, false, k, ld, og, wp + grp * og * k, k, gyt + grp * og * ld, ld, T(0),
                  cols + grp * k * ld, ld);
      for (int64_t i = 0; i < nb; ++i) col2im(cols + i * l, g, xp + (n0 + i) * g.c * g.h * g.w, ld);
    }
  });
  if (any_requires_grad(ctx, {&gy_in, &w_in})) {
    auto* node = new ConvInputGradBackward0;
    node->ws = w->shape;
    node->p = p;
    record(ctx, gx, node, {&gy_in, &w_in});
    if (w_in->requires_grad()) node->save(node->gy, gy_in);
    node->save(node->w, w_in);
    node->has_saved = true;
  }
  return gx;
}

// gw [o, c / groups, kh, kw] = sum over images of gy_g @ im2col(x)_g^T.
// With the forward's saved columns (saved_cols) nothing is rebuilt.
Tensor conv_weight_grad(const Tensor& x_in, const Tensor& gy_in, const Dims& ws, const Conv2dParams& p,
                        Ctx ctx, const Tensor& saved_cols) {
  Tensor x = contiguous(x_in, Ctx{}), gy = contiguous(gy_in, Ctx{});
  ConvGeom g = conv_geom(x->shape, ws, p);
  Tensor gw = full(ws, x->dtype, 0.0);
  NB_DISPATCH_FLOAT(x->dtype, "conv2d backward", [&] {
    using T = scalar_t;
    const bool have = static_cast<bool>(saved_cols);
    // Saved columns of narrow images (one block) are one GEMM over the whole batch; wide ones
    // (conv_chunk 1) stay one GEMM per image, which reads that image's gy in place (no channel-major
    // copy) and runs faster than one GEMM with a 40k-long inner dimension (0.3 against 0.8 ms).
    // Without saved columns, each block's are rebuilt and used while in cache.
    const int64_t k = g.k(), l = g.l(), og = g.og(), chunk = have && conv_chunk(g) > 1 ? g.n : conv_chunk(g);
    Tensor cols_buf = have ? saved_cols : scratch<T>(g.c * g.kh * g.kw * chunk * l);
    T* cols = cols_buf->data<T>();
    Tensor gyt_buf = chunk > 1 ? scratch<T>(g.o * chunk * l) : Tensor();
    T* gyt_room = chunk > 1 ? gyt_buf->data<T>() : nullptr;
    const T* xp = x->data<T>();
    const T* gp = gy->data<T>();
    T* wp = gw->data<T>();
    for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
      const int64_t nb = std::min(chunk, g.n - n0), ld = nb * l;
      const int64_t cld = have ? g.n * l : ld;  // saved columns: the whole batch side by side
      T* cb = have ? cols + n0 * l : cols;
      if (!have)
        for (int64_t i = 0; i < nb; ++i) im2col(xp + (n0 + i) * g.c * g.h * g.w, g, cb + i * l, cld);
      const T* gyt = channels_first(gp, g, n0, nb, gyt_room);
      for (int64_t grp = 0; grp < p.groups; ++grp)
        // gw_g [og, k] += gyt[group rows] [og, nb * l] @ cols_g^T [nb * l, k]
        gemm_safe(false, true, og, k, ld, gyt + grp * og * ld, ld, cb + grp * k * cld, cld,
                  T(n0 == 0 ? 0 : 1), wp + grp * og * k, k);
    }
  });
  if (any_requires_grad(ctx, {&x_in, &gy_in})) {
    auto* node = new ConvWeightGradBackward0;
    node->xs = x->shape;
    node->p = p;
    record(ctx, gw, node, {&x_in, &gy_in});
    node->save(node->x, x_in);
    node->save(node->gy, gy_in);
    node->has_saved = true;
  }
  return gw;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
              Ctx ctx) {
  check_float(input, "conv2d", "input");
  if (weight->dtype != input->dtype)
    fail_arg(std::string("conv2d: input type (") + dtype_name(input->dtype) + ") and weight type (" +
             dtype_name(weight->dtype) + ") should be the same");
  if (bias && bias->dtype != input->dtype)
    fail_arg(std::string("conv2d: input type (") + dtype_name(input->dtype) + ") and bias type (" +
             dtype_name(bias->dtype) + ") should be the same");
  if (input->ndim() != 3 && input->ndim() != 4)
    fail_shape("conv2d: expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: " +
               shape_of(input));
  if (weight->ndim() != 4)
    fail_shape("conv2d: expected a 4-dimensional weight [out_channels, in_channels / groups, kH, kW], "
               "but got weight of size " + shape_of(weight));
  if (p.sh <= 0 || p.sw <= 0) fail_arg("conv2d: non-positive stride is not supported, got stride=(" + str(p.sh) + ", " + str(p.sw) + ")");
  if (p.ph < 0 || p.pw < 0) fail_arg("conv2d: negative padding is not supported, got padding=(" + str(p.ph) + ", " + str(p.pw) + ")");
  if (p.dh <= 0 || p.dw <= 0) fail_arg("conv2d: dilation should be greater than zero, got dilation=(" + str(p.dh) + ", " + str(p.dw) + ")");
  if (p.groups <= 0) fail_arg("conv2d: non-positive groups is not supported, got groups=" + str(p.groups));
  if (input->ndim() == 3) return without_batch(conv2d(with_batch(input, ctx), weight, bias, p, ctx), ctx);

  const Dims& xs = input->shape;
  const Dims& ws = weight->shape;
  std::string given = "conv2d: Given groups=" + str(p.groups) + ", ";
  if (ws[0] < p.groups)
    fail_shape(given + "expected weight to be at least " + str(p.groups) +
               " at dimension 0, but got weight of size " + shape_of(weight) + " instead");
  if (ws[0] % p.groups != 0)
    fail_shape(given + "expected weight to be divisible by " + str(p.groups) +
               " at dimension 0, but got weight of size " + shape_of(weight) + " instead");
  if (xs[1] != ws[1] * p.groups)
    fail_shape(given + "weight of size " + shape_of(weight) + ", expected input" + shape_of(input) +
               " to have " + str(ws[1] * p.groups) + " channels, but got " + str(xs[1]) +
               " channels instead");
  if (bias && (bias->ndim() != 1 || bias->shape[0] != ws[0]))
    fail_shape("conv2d: Given weight of size " + shape_of(weight) + ", expected bias to be 1-dimensional with " +
               str(ws[0]) + " elements, but got bias of size " + shape_of(bias) + " instead");
  if (ws[2] <= 0 || ws[3] <= 0)
    fail_shape("conv2d: kernel size should be greater than zero, but got weight of size " + shape_of(weight));
  int64_t ph = xs[2] + 2 * p.ph, pw = xs[3] + 2 * p.pw;
  int64_t kh = p.dh * (ws[2] - 1) + 1, kw = p.dw * (ws[3] - 1) + 1;
  if (ph < kh || pw < kw)
    fail_shape("conv2d: Calculated padded input size per channel: (" + str(ph) + " x " + str(pw) +
               "). Kernel size: (" + str(kh) + " x " + str(kw) +
               "). Kernel size can't be greater than actual input size (input " + shape_of(input) +
               ", weight " + shape_of(weight) + ")");
  return conv_forward(input, weight, bias, p, ctx);
}

// ---------------------------------------------------------------------------------------------
// Pooling. Both work on planes: input [n, c, h, w] is n * c planes of h * w.

namespace {

struct PoolGeom {
  int64_t planes, h, w, oh, ow;
  Pool2dParams p;
};

std::string size3(int64_t c, int64_t h, int64_t w) { return "(" + str(c) + "x" + str(h) + "x" + str(w) + ")"; }

// PyTorch's checks and words (pool2d_shape_check). `dilated` is false for avg_pool2d.
PoolGeom pool_geom(const Tensor& x, const Pool2dParams& p, const char* op, bool dilated) {
  std::string o = std::string(op) + ": ";
  if (p.kh <= 0 || p.kw <= 0)
    fail_arg(o + "kernel_size must be greater than zero, but got kH: " + str(p.kh) + " kW: " + str(p.kw));
  if (p.sh <= 0 || p.sw <= 0)
    fail_arg(o + "stride should be greater than zero, but got dH: " + str(p.sh) + " dW: " + str(p.sw));
  if (p.dh <= 0 || p.dw <= 0)
    fail_arg(o + "dilation should be greater than zero, but got dilationH: " + str(p.dh) + " dilationW: " + str(p.dw));
  if (p.ph < 0 || p.pw < 0)
    fail_arg(o + "negative padding is not supported, got padding=(" + str(p.ph) + ", " + str(p.pw) + ")");
  int64_t ekh = p.dh * (p.kh - 1) + 1, ekw = p.dw * (p.kw - 1) + 1;
  for (int d = 0; d < 2; ++d) {
    int64_t pad = d ? p.pw : p.ph, k = d ? p.kw : p.kh, ek = d ? ekw : ekh, dil = d ? p.dw : p.dh;
    if (dilated && pad > ek / 2)
      fail_arg(o + "pad should be at most half of effective kernel size, but got pad=" + str(pad) +
               ", kernel_size=" + str(k) + " and dilation=" + str(dil));
    if (!dilated && pad > k / 2)
      fail_arg(o + "pad should be at most half of kernel size, but got pad=" + str(pad) +
               " and kernel_size=" + str(k));
  }
  if (x->ndim() != 4)  // 3-D inputs were given a batch dim by the caller
    fail_shape(o + "expected a 3D or 4D input tensor, but got input of size: " + shape_of(x));
  int64_t c = x->shape[1], h = x->shape[2], w = x->shape[3];
  int64_t nh = h + 2 * p.ph - ekh, nw = w + 2 * p.pw - ekw;
  int64_t oh = nh < 0 ? 0 : nh / p.sh + 1, ow = nw < 0 ? 0 : nw / p.sw + 1;
  if (h <= 0 || w <= 0 || oh < 1 || ow < 1)
    fail_shape(o + "Given input size: " + size3(c, h, w) + ". Calculated output size: " + size3(c, oh, ow) +
               ". Output size is too small");
  return PoolGeom{x->shape[0] * c, h, w, oh, ow, p};
}

// Planes per task of the pooling loops: a few thousand elements, so that small planes are batched.
inline int64_t plane_grain(int64_t per_plane) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(per_plane, 1)); }

// Unchecked internals of the gather/scatter pair that max_pool2d's gradients use.
void record_gather(const Tensor& out, const Tensor& src, const Tensor& idx, Ctx ctx, bool disjoint2x2 = false);
Tensor pool2x2_backward(const Tensor& g, const Tensor& idx, const Dims& shape);
Tensor plane_gather(const Tensor& src, const Tensor& idx, Ctx ctx);
Tensor plane_scatter(const Tensor& g, const Tensor& idx, const Dims& shape, Ctx ctx);

}  // namespace

// y = x gathered at the argmax indices, so dL/dx = g scattered (added) to those indices; saves
// the indices. NaN wins a window, so its gradient goes to the NaN.
struct MaxPool2DWithIndicesBackward0 final : Node {
  SavedTensor idx;
  Dims xs;
  bool disjoint2x2 = false;  // windows 2x2 with stride 2: every input in at most one window
  const char* name() const override { return "MaxPool2DWithIndicesBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    if (disjoint2x2 && !ctx.grad) return {pool2x2_backward(g[0], idx.unpack(*this), xs)};
    return {plane_scatter(g[0], idx.unpack(*this), xs, ctx)};
  }
  void release_saved() override { idx.reset(); }
};

// The scatter is linear in g; its adjoint is the gather at the same indices. Saves the indices.
struct MaxPool2DWithIndicesBackwardBackward0 final : Node {
  SavedTensor idx;
  const char* name() const override { return "MaxPool2DWithIndicesBackwardBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {plane_gather(g[0], idx.unpack(*this), ctx)}; }
  void release_saved() override { idx.reset(); }
};

namespace {

// out = src gathered at idx per plane: gives out its node when src requires grad.
void record_gather(const Tensor& out, const Tensor& src, const Tensor& idx, Ctx ctx, bool disjoint2x2) {
  if (!any_requires_grad(ctx, {&src})) return;
  auto* node = new MaxPool2DWithIndicesBackward0;
  node->xs = src->shape;
  node->disjoint2x2 = disjoint2x2;
  record(ctx, out, node, {&src});
  node->save(node->idx, idx);
  node->has_saved = true;
}

// The 2x2, stride-2 pool's gradient written in one pass: each window's four inputs get g or 0 by
// the index, and the rows and columns no window covers get 0. No zero fill, then scatter.
Tensor pool2x2_backward(const Tensor& g_in, const Tensor& idx_in, const Dims& shape) {
  Tensor g = contiguous(g_in, Ctx{}), idx = contiguous(idx_in, Ctx{});
  Tensor out = empty(shape, g->dtype);
  const int64_t h = shape[2], w = shape[3], oh = idx->shape[2], ow = idx->shape[3];
  const int64_t planes = shape[0] * shape[1];
  NB_DISPATCH_FLOAT(g->dtype, "max_pool2d backward", [&] {
    const scalar_t* gp = g->data<scalar_t>();
    const int64_t* ip = idx->data<int64_t>();
    scalar_t* op = out->data<scalar_t>();
    parallel_for(0, planes, plane_grain(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        scalar_t* o = op + pl * h * w;
        for (int64_t oy = 0; oy < oh; ++oy) {
          const scalar_t* gr = gp + (pl * oh + oy) * ow;
          const int64_t* ir = ip + (pl * oh + oy) * ow;
          scalar_t* r0 = o + 2 * oy * w;
          scalar_t* r1 = r0 + w;
          pool2x2_backward_row(gr, ir, r0, r1, 2 * oy * w, w, ow);
          for (int64_t x = 2 * ow; x < w; ++x) r0[x] = r1[x] = scalar_t(0);
        }
        for (int64_t y = 2 * oh; y < h; ++y) std::fill(o + y * w, o + (y + 1) * w, scalar_t(0));
      }
    });
  });
  return out;
}

// out [.., oh, ow] = src plane at each index (0 where a window held no input element, index -1).
Tensor plane_gather(const Tensor& src_in, const Tensor& idx_in, Ctx ctx) {
  Tensor src = contiguous(src_in, Ctx{}), idx = contiguous(idx_in, Ctx{});
  Tensor out = empty(idx->shape, src->dtype);
  int64_t hw = src->shape[2] * src->shape[3], l = idx->shape[2] * idx->shape[3];
  int64_t planes = src->shape[0] * src->shape[1];
  NB_DISPATCH_FLOAT(src->dtype, "max_pool2d", [&] {
    const scalar_t* s = src->data<scalar_t>();
    const int64_t* ip = idx->data<int64_t>();
    scalar_t* o = out->data<scalar_t>();
    parallel_for(0, planes, plane_grain(l), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl)
        for (int64_t j = 0; j < l; ++j) {
          int64_t k = ip[pl * l + j];
          o[pl * l + j] = k >= 0 ? s[pl * hw + k] : scalar_t(0);
        }
    });
  });
  record_gather(out, src_in, idx, ctx);
  return out;
}

// out [shape] = 0 with g added at each index of its plane.
Tensor plane_scatter(const Tensor& g_in, const Tensor& idx_in, const Dims& shape, Ctx ctx) {
  Tensor g = contiguous(g_in, Ctx{}), idx = contiguous(idx_in, Ctx{});
  Tensor out = full(shape, g->dtype, 0.0);
  int64_t hw = shape[2] * shape[3], l = idx->shape[2] * idx->shape[3], planes = shape[0] * shape[1];
  NB_DISPATCH_FLOAT(g->dtype, "max_pool2d backward", [&] {
    const scalar_t* gp = g->data<scalar_t>();
    const int64_t* ip = idx->data<int64_t>();
    scalar_t* o = out->data<scalar_t>();
    // Planes are disjoint in the output, so they scatter in parallel.
    parallel_for(0, planes, plane_grain(l), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl)
        for (int64_t j = 0; j < l; ++j) {
          int64_t k = ip[pl * l + j];
          if (k >= 0) o[pl * hw + k] += gp[pl * l + j];
        }
    });
  });
  if (any_requires_grad(ctx, {&g_in})) {
    auto* node = new MaxPool2DWithIndicesBackwardBackward0;
    record(ctx, out, node, {&g_in});
    node->save(node->idx, idx);
    node->has_saved = true;
  }
  return out;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const Pool2dParams& p, Ctx ctx) {
  check_float(input, "max_pool2d", "input");
  if (input->ndim() == 3) {
    auto r = max_pool2d(with_batch(input, ctx), p, ctx);
    return {without_batch(r.first, ctx), without_batch(r.second, Ctx{})};
  }
  PoolGeom g = pool_geom(input, p, "max_pool2d", true);
  Tensor x = contiguous(input, Ctx{});
  Dims os{x->shape[0], x->shape[1], g.oh, g.ow};
  Tensor idx = empty(os, DType::I64);
  Tensor out = empty(os, x->dtype);
  const int64_t grain = plane_grain(g.oh * g.ow);
  NB_DISPATCH_FLOAT(x->dtype, "max_pool2d", [&] {
    const scalar_t* xp = x->data<scalar_t>();
    int64_t* ip = idx->data<int64_t>();
    scalar_t* vp = out->data<scalar_t>();
    // Common case, no padding and no dilation: every window lies inside the plane, so the scan
    // needs no bounds checks. The running maximum stays in a register and is replaced by selects,
    // not branches (the data decides them; windows are independent, so they overlap in the core).
    if (p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 && p.dh == 1 &&
        p.dw == 1) {
      parallel_for(0, g.planes, grain, [&](int64_t pl0, int64_t pl1) {
        for (int64_t pl = pl0; pl < pl1; ++pl)
          for (int64_t oy = 0; oy < g.oh; ++oy) {
            const int64_t first = 2 * oy * g.w, o = (pl * g.oh + oy) * g.ow;
            const scalar_t* r0 = xp + pl * g.h * g.w + first;
            pool2x2_forward_row(r0, r0 + g.w, first, g.w, vp + o, ip + o, g.ow);
          }
      });
      return;
    }
    if (p.ph == 0 && p.pw == 0 && p.dh == 1 && p.dw == 1) {
      parallel_for(0, g.planes, grain, [&](int64_t pl0, int64_t pl1) {
        for (int64_t pl = pl0; pl < pl1; ++pl) {
          const scalar_t* plane = xp + pl * g.h * g.w;
          int64_t* oi = ip + pl * g.oh * g.ow;
          scalar_t* ov = vp + pl * g.oh * g.ow;
          for (int64_t oy = 0; oy < g.oh; ++oy)
            for (int64_t ox = 0; ox < g.ow; ++ox) {
              const int64_t first = oy * p.sh * g.w + ox * p.sw;
              int64_t best_i = first;
              scalar_t best = plane[first];
              for (int64_t ki = 0; ki < p.kh; ++ki)
                for (int64_t kj = 0; kj < p.kw; ++kj) {
                  const int64_t i = first + ki * g.w + kj;
                  const scalar_t v = plane[i];
                  // As below: the first max wins ties, a NaN wins.
                  const bool take = (v > best) | (v != v);
                  best = take ? v : best;
                  best_i = take ? i : best_i;
                }
              oi[oy * g.ow + ox] = best_i;
              ov[oy * g.ow + ox] = best;
            }
        }
      });
      return;
    }
    parallel_for(0, g.planes, grain, [&](int64_t pl0, int64_t pl1) {
      for (int64_t pl = pl0; pl < pl1; ++pl) {
        const scalar_t* plane = xp + pl * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy)
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            int64_t best_i = -1;
            // A window of padding only (possible with dilation) is -inf, as in PyTorch.
            scalar_t best = -std::numeric_limits<scalar_t>::infinity();
            for (int64_t ki = 0; ki < p.kh; ++ki) {
              int64_t iy = oy * p.sh - p.ph + ki * p.dh;
              if (iy < 0 || iy >= g.h) continue;
              for (int64_t kj = 0; kj < p.kw; ++kj) {
                int64_t ix = ox * p.sw - p.pw + kj * p.dw;
                if (ix < 0 || ix >= g.w) continue;
                scalar_t v = plane[iy * g.w + ix];
                // As PyTorch: the first maximum wins ties, and a NaN wins over numbers.
                if (best_i < 0 || v > best || std::isnan(v)) {
                  best = v;
                  best_i = iy * g.w + ix;
                }
              }
            }
            ip[(pl * g.oh + oy) * g.ow + ox] = best_i;
            vp[(pl * g.oh + oy) * g.ow + ox] = best;
          }
      }
    });
  });
  // The values are x gathered at the indices, so the node is plane_gather's.
  const bool pool2x2 = p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 &&
                       p.dh == 1 && p.dw == 1;
  record_gather(out, input, idx, ctx, pool2x2);
  return {out, idx};
}

// ---- avg_pool2d ----

namespace {

// The window of output (oy, ox) and its divisor, as PyTorch computes them.
struct Window {
  int64_t y0, y1, x0, x1, div;
};

Window window(const PoolGeom& g, int64_t oy, int64_t ox, bool count_include_pad) {
  const Pool2dParams& p = g.p;
  int64_t y0 = oy * p.sh - p.ph, x0 = ox * p.sw - p.pw;
  int64_t y1 = std::min(y0 + p.kh, g.h + p.ph), x1 = std::min(x0 + p.kw, g.w + p.pw);
  int64_t pool = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0);
  x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, g.h);
  x1 = std::min(x1, g.w);
  int64_t inside = std::max<int64_t>(y1 - y0, 0) * std::max<int64_t>(x1 - x0, 0);
  return {y0, y1, x0, x1, count_include_pad ? pool : inside};
}

Tensor avg_pool_forward(const Tensor& x, const PoolGeom& g, bool cip, Ctx ctx);
Tensor avg_pool_adjoint(const Tensor& gy, const Dims& xs, const PoolGeom& g, bool cip, Ctx ctx);

}  // namespace

// y = A x with A the averaging map, so dL/dx = A^T g: each window's gradient spread evenly over
// the window (divided by the same divisor). Saves nothing but the geometry.
struct AvgPool2DBackward0 final : Node {
  Dims xs;
  PoolGeom g{};
  bool cip = true;
  const char* name() const override { return "AvgPool2DBackward0"; }
  Grads apply(Grads& gr, Ctx ctx) override { return {avg_pool_adjoint(gr[0], xs, g, cip, ctx)}; }
};

// The adjoint's adjoint is the average pool again.
struct AvgPool2DBackwardBackward0 final : Node {
  PoolGeom g{};
  bool cip = true;
  const char* name() const override { return "AvgPool2DBackwardBackward0"; }
  Grads apply(Grads& gr, Ctx ctx) override { return {avg_pool_forward(gr[0], g, cip, ctx)}; }
};

namespace {

Tensor avg_pool_forward(const Tensor& x_in, const PoolGeom& g, bool cip, Ctx ctx) {
  Tensor x = contiguous(x_in, Ctx{});
  Tensor y = empty({x->shape[0], x->shape[1], g.oh, g.ow}, x->dtype);
  NB_DISPATCH_FLOAT(x->dtype, "avg_pool2d", [&] {
    const scalar_t* xp = x->data<scalar_t>();
    scalar_t* yp = y->data<scalar_t>();
    for (int64_t pl = 0; pl < g.planes; ++pl) {
      const scalar_t* plane = xp + pl * g.h * g.w;
      for (int64_t oy = 0; oy < g.oh; ++oy)
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          Window wd = window(g, oy, ox, cip);
          scalar_t s = 0;
          for (int64_t iy = wd.y0; iy < wd.y1; ++iy)
            for (int64_t ix = wd.x0; ix < wd.x1; ++ix) s += plane[iy * g.w + ix];
          yp[(pl * g.oh + oy) * g.ow + ox] = wd.div > 0 ? s / static_cast<scalar_t>(wd.div) : scalar_t(0);
        }
    }
  });
  if (any_requires_grad(ctx, {&x_in})) {
    auto* node = new AvgPool2DBackward0;
    node->xs = x->shape;
    node->g = g;
    node->cip = cip;
    record(ctx, y, node, {&x_in});
  }
  return y;
}

Tensor avg_pool_adjoint(const Tensor& gy_in, const Dims& xs, const PoolGeom& g, bool cip, Ctx ctx) {
  Tensor gy = contiguous(gy_in, Ctx{});
  Tensor gx = full(xs, gy->dtype, 0.0);
  NB_DISPATCH_FLOAT(gy->dtype, "avg_pool2d backward", [&] {
    const scalar_t* gp = gy->data<scalar_t>();
    scalar_t* xp = gx->data<scalar_t>();
    for (int64_t pl = 0; pl < g.planes; ++pl) {
      scalar_t* plane = xp + pl * g.h * g.w;
      for (int64_t oy = 0; oy < g.oh; ++oy)
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          Window wd = window(g, oy, ox, cip);
          if (wd.div <= 0) continue;
          scalar_t v = gp[(pl * g.oh + oy) * g.ow + ox] / static_cast<scalar_t>(wd.div);
          for (int64_t iy = wd.y0; iy < wd.y1; ++iy)
            for (int64_t ix = wd.x0; ix < wd.x1; ++ix) plane[iy * g.w + ix] += v;
        }
    }
  });
  if (any_requires_grad(ctx, {&gy_in})) {
    auto* node = new AvgPool2DBackwardBackward0;
    node->g = g;
    node->cip = cip;
    record(ctx, gx, node, {&gy_in});
  }
  return gx;
}

}  // namespace

Tensor avg_pool2d(const Tensor& input, const Pool2dParams& p_in, bool count_include_pad, Ctx ctx) {
  check_float(input, "avg_pool2d", "input");
  if (input->ndim() == 3)
    return without_batch(avg_pool2d(with_batch(input, ctx), p_in, count_include_pad, ctx), ctx);
  Pool2dParams p = p_in;
  p.dh = p.dw = 1;  // avg_pool2d has no dilation
  PoolGeom g = pool_geom(input, p, "avg_pool2d", false);
  return avg_pool_forward(input, g, count_include_pad, ctx);
}

// ---------------------------------------------------------------------------------------------
// dropout

// y = x * mask with mask = keep / (1 - p), so dL/dx = g * mask. Saves the (scaled) mask.
struct NativeDropoutBackward0 final : Node {
  SavedTensor mask;
  const char* name() const override { return "NativeDropoutBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {mul(g[0], mask.unpack(*this), ctx)}; }
  void release_saved() override { mask.reset(); }
};

Tensor dropout(Generator& gen, const Tensor& a, double p, bool training, Ctx ctx) {
  if (!(p >= 0 && p <= 1))
    fail_arg("dropout: dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  check_float(a, "dropout", "input");
  if (!training || p == 0 || a->numel() == 0) return a;
  Tensor mask = empty(a->shape, a->dtype);
  NB_DISPATCH_FLOAT(a->dtype, "dropout", [&] {
    scalar_t scale = p == 1 ? scalar_t(0) : static_cast<scalar_t>(1.0 / (1.0 - p));
    scalar_t* m = mask->data<scalar_t>();
    for (int64_t i = 0, n = mask->numel(); i < n; ++i) {
      // Uniform in [0, 1) with 53 random bits, as rand() draws it: kept with probability 1 - p.
      double u = static_cast<double>(gen.engine() >> 11) * 0x1.0p-53;
      m[i] = u >= p ? scale : scalar_t(0);
    }
  });
  Tensor out = mul(a, mask, Ctx{});
  if (any_requires_grad(ctx, {&a})) {
    auto* node = new NativeDropoutBackward0;
    record(ctx, out, node, {&a});
    node->save(node->mask, mask);
    node->has_saved = true;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// embedding and one_hot

namespace {

void check_indices(const Tensor& idx, const char* op) {
  if (idx->dtype != DType::I64)
    fail_arg(std::string(op) + ": Expected tensor for argument #1 'indices' to have one of the following "
             "scalar types: Long; but got " + dtype_tensor_name(idx->dtype) + " " + shape_of(idx) +
             " instead (convert it with .to(DType.INT64))");
}

Tensor embedding_dense_backward(const Tensor& g, const Tensor& idx, int64_t num, Ctx ctx);

}  // namespace

// y[i] = w[idx[i]], so dL/dw[r] = the sum of g[i] over every i with idx[i] == r (repeated
// indices add up). Saves the indices.
struct EmbeddingBackward0 final : Node {
  SavedTensor idx;
  int64_t num = 0;
  const char* name() const override { return "EmbeddingBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override {
    return {Tensor(), embedding_dense_backward(g[0], idx.unpack(*this), num, ctx)};
  }
  void release_saved() override { idx.reset(); }
};

// The row scatter is linear in g; its adjoint is the row gather, embedding itself.
struct EmbeddingBackwardBackward0 final : Node {
  SavedTensor idx;
  const char* name() const override { return "EmbeddingBackwardBackward0"; }
  Grads apply(Grads& g, Ctx ctx) override { return {embedding(idx.unpack(*this), g[0], ctx)}; }
  void release_saved() override { idx.reset(); }
};

namespace {

Tensor embedding_dense_backward(const Tensor& g_in, const Tensor& idx_in, int64_t num, Ctx ctx) {
  Tensor g = contiguous(g_in, Ctx{}), idx = contiguous(idx_in, Ctx{});
  int64_t dim = g->shape[g->ndim() - 1];
  Tensor gw = full({num, dim}, g->dtype, 0.0);
  NB_DISPATCH_FLOAT(g->dtype, "embedding backward", [&] {
    const scalar_t* gp = g->data<scalar_t>();
    const int64_t* ip = idx->data<int64_t>();
    scalar_t* wp = gw->data<scalar_t>();
    for (int64_t i = 0, n = idx->numel(); i < n; ++i) {
      scalar_t* row = wp + ip[i] * dim;
      const scalar_t* src = gp + i * dim;
      for (int64_t j = 0; j < dim; ++j) row[j] += src[j];
    }
  });
  if (any_requires_grad(ctx, {&g_in})) {
    auto* node = new EmbeddingBackwardBackward0;
    record(ctx, gw, node, {&g_in});
    node->save(node->idx, idx);
    node->has_saved = true;
  }
  return gw;
}

}  // namespace

Tensor embedding(const Tensor& indices, const Tensor& weight, Ctx ctx) {
  check_indices(indices, "embedding");
  check_float(weight, "embedding", "weight");
  if (weight->ndim() != 2) fail_shape("embedding: 'weight' must be 2-D, but got weight of size " + shape_of(weight));
  Tensor idx = contiguous(indices, Ctx{}), w = contiguous(weight, Ctx{});
  int64_t num = w->shape[0], dim = w->shape[1];
  Dims os = idx->shape;
  os.push_back(dim);
  Tensor out = empty(os, w->dtype);
  NB_DISPATCH_FLOAT(w->dtype, "embedding", [&] {
    const scalar_t* wp = w->data<scalar_t>();
    const int64_t* ip = idx->data<int64_t>();
    scalar_t* o = out->data<scalar_t>();
    for (int64_t i = 0, n = idx->numel(); i < n; ++i) {
      int64_t r = ip[i];
      if (r < 0 || r >= num)
        fail_arg("embedding: index out of range in self: index " + str(r) + " with weight of size " +
                 shape_of(weight) + " (valid indices are 0 to " + str(num - 1) + ")");
      std::copy(wp + r * dim, wp + (r + 1) * dim, o + i * dim);
    }
  });
  if (any_requires_grad(ctx, {&weight})) {
    auto* node = new EmbeddingBackward0;
    node->num = num;
    record(ctx, out, node, {&indices, &weight});
    node->save(node->idx, idx);
    node->has_saved = true;
  }
  return out;
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  if (indices->dtype != DType::I64)
    fail_arg(std::string("one_hot: one_hot is only applicable to index tensor of type LongTensor, but got ") +
             dtype_tensor_name(indices->dtype) + " " + shape_of(indices));
  if (num_classes < -1) fail_arg("one_hot: num_classes should be -1 or non-negative, but got " + str(num_classes));
  Tensor idx = contiguous(indices, Ctx{});
  const int64_t* ip = idx->data<int64_t>();
  int64_t n = idx->numel();
  int64_t lo = 0, hi = -1;
  for (int64_t i = 0; i < n; ++i) {
    lo = i == 0 ? ip[i] : std::min(lo, ip[i]);
    hi = i == 0 ? ip[i] : std::max(hi, ip[i]);
  }
  if (num_classes == -1) {
    if (n == 0) fail_arg("one_hot: Can not infer total number of classes from empty tensor " + shape_of(indices));
    num_classes = hi + 1;
  }
  if (n > 0 && lo < 0) fail_arg("one_hot: Class values must be non-negative, but got " + str(lo));
  if (n > 0 && hi >= num_classes)
    fail_arg("one_hot: Class values must be smaller than num_classes, but got " + str(hi) +
             " with num_classes=" + str(num_classes));
  Dims os = idx->shape;
  os.push_back(num_classes);
  Tensor out = full(os, DType::I64, 0.0);
  int64_t* o = out->data<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + ip[i]] = 1;
  return out;
}

namespace {

// Registry entry points. (Named functions: braces in a lambda would split the macro's arguments.)
void conv2d_entry(Ctx c, const OpArgs& a, std::vector<Tensor>& o) {
  if (a.n_in != 2 && a.n_in != 3)
    fail_arg("conv2d: expected 2 or 3 tensors (input, weight, bias), got " + std::to_string(a.n_in));
  Conv2dParams p{a.integer(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.integer(5), a.integer(6)};
  o[0] = conv2d(a.tensor(0), a.tensor(1), a.n_in == 3 ? a.tensor(2) : Tensor(), p, c);
}

void max_pool2d_entry(Ctx c, const OpArgs& a, std::vector<Tensor>& o) {
  Pool2dParams p{a.integer(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.integer(5), a.integer(6), a.integer(7)};
  auto r = max_pool2d(a.tensor(0), p, c);
  o[0] = r.first;
  o[1] = r.second;
}

void avg_pool2d_entry(Ctx c, const OpArgs& a, std::vector<Tensor>& o) {
  Pool2dParams p{a.integer(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.integer(5), 1, 1};
  o[0] = avg_pool2d(a.tensor(0), p, a.integer(6) != 0, c);
}

}  // namespace

// conv2d: tensors = input, weight[, bias]; ints = stride h, w, padding h, w, dilation h, w, groups
NB_REGISTER_OP("conv2d", -1, 1, true, conv2d_entry);
// max_pool2d: outputs = values, int64 indices; ints = kernel h, w, stride h, w, padding h, w, dilation h, w
NB_REGISTER_OP("max_pool2d", 1, 2, true, max_pool2d_entry);
// avg_pool2d: ints = kernel h, w, stride h, w, padding h, w, count_include_pad
NB_REGISTER_OP("avg_pool2d", 1, 1, true, avg_pool2d_entry);
// embedding: tensors = indices (int64), weight [num, dim]
NB_REGISTER_OP("embedding", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = embedding(a.tensor(0), a.tensor(1), c); });
// one_hot: ints = num_classes (-1: max + 1)
NB_REGISTER_OP("one_hot", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = one_hot(a.tensor(0), a.integer_or(0, -1)); });

}  // namespace nabla
