// Shape and indexing ops vs naive loops, called by name through nb_op_call: permute, squeeze,
// unsqueeze, flatten, slice, narrow, select, cat, stack, split, chunk, index_select, gather,
// scatter_add, masked_fill. Inputs are random with odd sizes, in contiguous, transposed and
// reversed layouts; views are checked to share storage; index errors must name op, index, size.
#include "test_util.h"

using namespace nbtest;

namespace {

// Runs op `name`; returns its outputs, or fails the test.
std::vector<Tensor> call(const char *name, std::vector<const nb_tensor *> in,
                         std::vector<int64_t> ints = {}, std::vector<double> nums = {},
                         int32_t flags = 0) {
  int32_t id = nb_op_find(name);
  EXPECT_GE(id, 0) << name;
  nb_tensor *outs[64] = {};
  int32_t n = 0;
  nb_status *s = nb_op_call(flags, id, in.data(), static_cast<int32_t>(in.size()), nums.data(),
                            static_cast<int32_t>(nums.size()), ints.data(),
                            static_cast<int32_t>(ints.size()), outs, 64, &n);
  std::vector<Tensor> r;
  if (s) {
    ADD_FAILURE() << name << ": " << take_message(s);
    return r;
  }
  for (int32_t k = 0; k < n; ++k) r.emplace_back(outs[k]);
  return r;
}

Tensor call1(const char *name, std::vector<const nb_tensor *> in, std::vector<int64_t> ints = {},
             std::vector<double> nums = {}, int32_t flags = 0) {
  auto r = call(name, std::move(in), std::move(ints), std::move(nums), flags);
  EXPECT_EQ(r.size(), 1u) << name;
  return r.empty() ? nullptr : std::move(r[0]);
}

// The error message of a call expected to fail with `code`.
std::string call_error(const char *name, std::vector<const nb_tensor *> in, std::vector<int64_t> ints,
                       int32_t code, std::vector<double> nums = {}) {
  nb_tensor *outs[64] = {};
  int32_t n = 0;
  return expect_error(nb_op_call(0, nb_op_find(name), in.data(), static_cast<int32_t>(in.size()),
                                 nums.data(), static_cast<int32_t>(nums.size()), ints.data(),
                                 static_cast<int32_t>(ints.size()), outs, 64, &n),
                      code);
}

// Flat row-major index of multi-index idx in shape.
int64_t ravel(const Shape &idx, const Shape &shape) {
  int64_t f = 0;
  for (size_t d = 0; d < shape.size(); ++d) f = f * shape[d] + idx[d];
  return f;
}

Tensor index_tensor(const std::vector<int64_t> &v, const Shape &shape) {
  std::vector<double> d(v.begin(), v.end());
  return from_vector(d, shape, NB_DTYPE_I64);
}

std::mt19937 &rng() {
  static std::mt19937 r(7);
  return r;
}

// The storage range of a view lies inside its base's: same data, no copy.
void expect_shares_storage(const nb_tensor *view, const nb_tensor *base) {
  int64_t esz = nb_tensor_dtype(base) == NB_DTYPE_F32 ? 4 : 8;
  intptr_t lo = nb_tensor_data(base), vb = nb_tensor_data(view);
  auto offs = offsets_of(view);
  auto boffs = offsets_of(base);
  int64_t bmin = *std::min_element(boffs.begin(), boffs.end());
  int64_t bmax = *std::max_element(boffs.begin(), boffs.end());
  for (int64_t o : offs) {
    intptr_t p = vb + o * esz;
    EXPECT_GE(p, lo + bmin * esz);
    EXPECT_LE(p, lo + bmax * esz);
  }
}

const Shape kShapes[] = {{3, 5, 7}, {1, 4, 2}, {7}, {2, 1, 3, 5}};

}  // namespace

TEST(Shaping, PermuteMatchesNaive) {
  for (const Shape &s : kShapes)
    for (Layout l : kLayouts) {
      SCOPED_TRACE(shape_str(s) + " " + layout_name(l));
      auto v = random_values(rng(), numel_of(s));
      Tensor a = make_tensor(v, s, NB_DTYPE_F64, l);
      Shape perm(s.size());
      for (size_t i = 0; i < s.size(); ++i) perm[i] = static_cast<int64_t>(s.size() - 1 - i);
      if (s.size() > 2) std::swap(perm[0], perm[1]);
      perm[0] -= static_cast<int64_t>(s.size());  // a negative dim
      Tensor p = call1("permute", {a.get()}, perm);
      Shape ps(s.size());
      for (size_t i = 0; i < s.size(); ++i) ps[i] = s[(perm[i] + s.size()) % s.size()];
      ASSERT_EQ(shape_of(p.get()), ps);
      auto got = to_vector(p.get());
      for (int64_t i = 0; i < numel_of(ps); ++i) {
        Shape oi = unravel(i, ps), ii(s.size());
        for (size_t d = 0; d < s.size(); ++d) ii[(perm[d] + s.size()) % s.size()] = oi[d];
        EXPECT_EQ(got[i], v[ravel(ii, s)]);
      }
      expect_shares_storage(p.get(), a.get());
    }
}

TEST(Shaping, SqueezeUnsqueezeFlatten) {
  Tensor a = full({2, 1, 3, 1}, 1.0);
  EXPECT_EQ(shape_of(call1("squeeze", {a.get()}).get()), (Shape{2, 3}));
  EXPECT_EQ(shape_of(call1("squeeze_dim", {a.get()}, {-1}).get()), (Shape{2, 1, 3}));
  EXPECT_EQ(shape_of(call1("squeeze_dim", {a.get()}, {0}).get()), (Shape{2, 1, 3, 1}));  // not size 1
  EXPECT_EQ(shape_of(call1("unsqueeze", {a.get()}, {-1}).get()), (Shape{2, 1, 3, 1, 1}));
  EXPECT_EQ(shape_of(call1("unsqueeze", {a.get()}, {0}).get()), (Shape{1, 2, 1, 3, 1}));
  EXPECT_EQ(shape_of(call1("flatten", {a.get()}, {0, -1}).get()), (Shape{6}));
  EXPECT_EQ(shape_of(call1("flatten", {a.get()}, {1, 2}).get()), (Shape{2, 3, 1}));
  Tensor s = full({}, 2.0);
  EXPECT_EQ(shape_of(call1("flatten", {s.get()}, {0, -1}).get()), (Shape{1}));
  // flatten of a transposed tensor copies, with the values in the logical order.
  auto v = random_values(rng(), 15);
  Tensor t = strided_from_vector(v, {3, 5});
  EXPECT_EQ(to_vector(call1("flatten", {t.get()}, {0, 1}).get()), v);
  EXPECT_NE(call_error("flatten", {a.get()}, {2, 1}, NB_ERR_ARGUMENT).find("start_dim cannot come after end_dim"),
            std::string::npos);
  EXPECT_NE(call_error("unsqueeze", {a.get()}, {6}, NB_ERR_ARGUMENT).find("unsqueeze"), std::string::npos);
}

TEST(Shaping, SliceNarrowSelectMatchNaive) {
  struct Case {
    int64_t start, end, step;
  };
  const Case cases[] = {{0, 7, 1}, {1, 6, 2}, {-3, 100, 1}, {-100, -2, 3}, {5, 2, 1}, {2, 3, 5}};
  Shape s{7, 5, 3};
  for (Layout l : kLayouts)
    for (int64_t dim = 0; dim < 3; ++dim)
      for (const Case &c : cases) {
        SCOPED_TRACE(std::string(layout_name(l)) + " dim " + std::to_string(dim) + " [" +
                     std::to_string(c.start) + ":" + std::to_string(c.end) + ":" + std::to_string(c.step) + "]");
        auto v = random_values(rng(), numel_of(s));
        Tensor a = make_tensor(v, s, NB_DTYPE_F64, l);
        Tensor r = call1("slice", {a.get()}, {dim, c.start, c.end, c.step});
        // Python's rule, spelled out.
        int64_t n = s[dim], b = c.start < 0 ? std::max<int64_t>(c.start + n, 0) : std::min(c.start, n);
        int64_t e = c.end < 0 ? std::max<int64_t>(c.end + n, 0) : std::min(c.end, n);
        std::vector<int64_t> picked;
        for (int64_t i = b; i < e; i += c.step) picked.push_back(i);
        Shape rs = s;
        rs[dim] = static_cast<int64_t>(picked.size());
        ASSERT_EQ(shape_of(r.get()), rs);
        auto got = to_vector(r.get());
        for (int64_t i = 0; i < numel_of(rs); ++i) {
          Shape idx = unravel(i, rs);
          idx[dim] = picked[idx[dim]];
          EXPECT_EQ(got[i], v[ravel(idx, s)]);
        }
        if (!picked.empty()) expect_shares_storage(r.get(), a.get());
      }
  auto v = random_values(rng(), numel_of(s));
  Tensor a = reversed_from_vector(v, s);
  Tensor nr = call1("narrow", {a.get()}, {1, -4, 3});  // columns 1..3
  ASSERT_EQ(shape_of(nr.get()), (Shape{7, 3, 3}));
  Tensor sel = call1("select", {a.get()}, {-2, -1});  // a[:, 4]
  ASSERT_EQ(shape_of(sel.get()), (Shape{7, 3}));
  auto gn = to_vector(nr.get()), gs = to_vector(sel.get());
  for (int64_t i = 0; i < 7; ++i)
    for (int64_t k = 0; k < 3; ++k) {
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(gn[(i * 3 + j) * 3 + k], v[(i * 5 + j + 1) * 3 + k]);
      EXPECT_EQ(gs[i * 3 + k], v[(i * 5 + 4) * 3 + k]);
    }
  std::string m = call_error("select", {a.get()}, {1, 5}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("select"), std::string::npos) << m;
  EXPECT_NE(m.find("index 5"), std::string::npos) << m;
  EXPECT_NE(m.find("[7, 5, 3]"), std::string::npos) << m;
  m = call_error("narrow", {a.get()}, {0, 5, 3}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("exceeds dimension size (7)"), std::string::npos) << m;
  EXPECT_NE(call_error("slice", {a.get()}, {0, 0, 5, 0}, NB_ERR_ARGUMENT).find("step must be positive"),
            std::string::npos);
}

TEST(Shaping, CatStackMatchNaive) {
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64})
    for (int64_t dim : {0, 1, -1}) {
      SCOPED_TRACE("dim " + std::to_string(dim) + " dtype " + std::to_string(dt));
      Shape s0{3, 4, 5}, s1 = s0, s2 = s0;
      int64_t d = dim < 0 ? dim + 3 : dim;
      s1[d] = 1;
      s2[d] = 2;
      auto v0 = rounded(random_values(rng(), numel_of(s0)), dt);
      auto v1 = rounded(random_values(rng(), numel_of(s1)), dt);
      auto v2 = rounded(random_values(rng(), numel_of(s2)), dt);
      Tensor a = make_tensor(v0, s0, dt, Layout::Transposed);
      Tensor b = make_tensor(v1, s1, dt, Layout::Reversed);
      Tensor c = make_tensor(v2, s2, dt, Layout::Contiguous);
      Tensor empty = full({0}, 0.0, dt);  // a legacy empty input is skipped
      Tensor r = call1("cat", {a.get(), empty.get(), b.get(), c.get()}, {dim});
      Shape rs = s0;
      rs[d] = s0[d] + s1[d] + s2[d];
      ASSERT_EQ(shape_of(r.get()), rs);
      auto got = to_vector(r.get());
      for (int64_t i = 0; i < numel_of(rs); ++i) {
        Shape idx = unravel(i, rs);
        double want;
        if (idx[d] < s0[d]) {
          want = v0[ravel(idx, s0)];
        } else if (idx[d] < s0[d] + s1[d]) {
          idx[d] -= s0[d];
          want = v1[ravel(idx, s1)];
        } else {
          idx[d] -= s0[d] + s1[d];
          want = v2[ravel(idx, s2)];
        }
        EXPECT_EQ(got[i], want) << "at " << i;
      }
    }
  // stack along a new middle dim.
  auto va = random_values(rng(), 6), vb = random_values(rng(), 6);
  Tensor a = from_vector(va, {2, 3}), b = strided_from_vector(vb, {2, 3});
  Tensor st = call1("stack", {a.get(), b.get()}, {1});
  ASSERT_EQ(shape_of(st.get()), (Shape{2, 2, 3}));
  auto g = to_vector(st.get());
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 3; ++k) {
      EXPECT_EQ(g[(i * 2 + 0) * 3 + k], va[i * 3 + k]);
      EXPECT_EQ(g[(i * 2 + 1) * 3 + k], vb[i * 3 + k]);
    }
  // float32 and float64 inputs promote to float64.
  Tensor f = full({1, 3}, 1.5, NB_DTYPE_F32);
  Tensor mixed = call1("cat", {a.get(), f.get()}, {0});
  EXPECT_EQ(nb_tensor_dtype(mixed.get()), NB_DTYPE_F64);
  EXPECT_EQ(to_vector(mixed.get())[7], 1.5);
  Tensor w = full({2, 4}, 0.0);
  std::string m = call_error("cat", {a.get(), w.get()}, {0}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("Sizes of tensors must match except in dimension 0"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 4]"), std::string::npos) << m;
  m = call_error("stack", {a.get(), w.get()}, {0}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("stack expects each tensor to be equal size"), std::string::npos) << m;
  call_error("cat", {}, {0}, NB_ERR_ARGUMENT);
}

TEST(Shaping, SplitAndChunkSizes) {
  auto v = random_values(rng(), 7 * 3);
  Tensor a = strided_from_vector(v, {7, 3});
  auto sizes_of = [](const std::vector<Tensor> &ts, size_t dim) {
    Shape r;
    for (const Tensor &t : ts) r.push_back(shape_of(t.get())[dim]);
    return r;
  };
  EXPECT_EQ(sizes_of(call("split", {a.get()}, {3, 0}), 0), (Shape{3, 3, 1}));
  EXPECT_EQ(sizes_of(call("split", {a.get()}, {7, 0}), 0), (Shape{7}));
  EXPECT_EQ(sizes_of(call("split", {a.get()}, {2, -1}), 1), (Shape{2, 1}));
  EXPECT_EQ(sizes_of(call("split_with_sizes", {a.get()}, {0, 2, 0, 5}), 0), (Shape{2, 0, 5}));
  // torch.chunk: pieces of ceil(7 / n), so chunk(6) gives 4 pieces and chunk(4) gives 4 pieces.
  EXPECT_EQ(sizes_of(call("chunk", {a.get()}, {3, 0}), 0), (Shape{3, 3, 1}));
  EXPECT_EQ(sizes_of(call("chunk", {a.get()}, {6, 0}), 0), (Shape{2, 2, 2, 1}));
  EXPECT_EQ(sizes_of(call("chunk", {a.get()}, {4, 0}), 0), (Shape{2, 2, 2, 1}));
  EXPECT_EQ(sizes_of(call("chunk", {a.get()}, {10, 0}), 0), (Shape{1, 1, 1, 1, 1, 1, 1}));
  Tensor e = full({0, 2}, 0.0);
  EXPECT_EQ(sizes_of(call("chunk", {e.get()}, {3, 0}), 0), (Shape{0, 0, 0}));
  EXPECT_EQ(sizes_of(call("split", {e.get()}, {2, 0}), 0), (Shape{0}));
  // The pieces are views with the right values.
  auto parts = call("split", {a.get()}, {3, 0});
  auto last = to_vector(parts[2].get());
  for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(last[k], v[6 * 3 + k]);
  expect_shares_storage(parts[1].get(), a.get());
  std::string m = call_error("split_with_sizes", {a.get()}, {0, 2, 2}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("sum exactly to 7"), std::string::npos) << m;
  m = call_error("chunk", {a.get()}, {0, 0}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("greater than 0"), std::string::npos) << m;
}

TEST(Shaping, SplitBackwardFillsZerosForUnusedPieces) {
  Tensor a = from_vector({1, 2, 3, 4, 5}, {5});
  NB_ASSERT_OK(nb_tensor_set_requires_grad(a.get(), 1));
  auto parts = call("split", {a.get()}, {2, 0}, {}, NB_GRAD);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_STREQ(nb_tensor_grad_fn_name(parts[1].get()), "SplitBackward0");
  nb_tensor *sum = nullptr;
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, parts[1].get(), &sum));
  Tensor s(sum);
  NB_ASSERT_OK(nb_tensor_backward(0, s.get(), nullptr, 0, 0));
  Tensor g(nb_tensor_grad(a.get()));
  ASSERT_TRUE(g);
  EXPECT_EQ(to_vector(g.get()), (std::vector<double>{0, 0, 1, 1, 0}));
}

TEST(Shaping, IndexSelectMatchesNaive) {
  Shape s{4, 6, 3};
  std::vector<int64_t> idx{5, 0, 0, 3, 2};
  for (Layout l : kLayouts)
    for (int64_t dim = 0; dim < 3; ++dim) {
      SCOPED_TRACE(std::string(layout_name(l)) + " dim " + std::to_string(dim));
      auto v = random_values(rng(), numel_of(s));
      Tensor a = make_tensor(v, s, NB_DTYPE_F32, l);
      v = rounded(v, NB_DTYPE_F32);
      std::vector<int64_t> ix;
      for (int64_t i : idx) ix.push_back(i % s[dim]);
      Tensor index = index_tensor(ix, {static_cast<int64_t>(ix.size())});
      Tensor r = call1("index_select", {a.get(), index.get()}, {dim - 3});
      Shape rs = s;
      rs[dim] = static_cast<int64_t>(ix.size());
      ASSERT_EQ(shape_of(r.get()), rs);
      auto got = to_vector(r.get());
      for (int64_t i = 0; i < numel_of(rs); ++i) {
        Shape k = unravel(i, rs);
        k[dim] = ix[k[dim]];
        EXPECT_EQ(got[i], v[ravel(k, s)]);
      }
    }
  Tensor a = full({4, 6}, 1.0);
  Tensor bad = index_tensor({1, 6}, {2});
  std::string m = call_error("index_select", {a.get(), bad.get()}, {1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("index_select"), std::string::npos) << m;
  EXPECT_NE(m.find("index 6"), std::string::npos) << m;
  EXPECT_NE(m.find("size 6"), std::string::npos) << m;
  Tensor neg = index_tensor({-1}, {1});
  call_error("index_select", {a.get(), neg.get()}, {1}, NB_ERR_ARGUMENT);
  Tensor fidx = full({2}, 0.0);
  m = call_error("index_select", {a.get(), fidx.get()}, {1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("int64"), std::string::npos) << m;
}

TEST(Shaping, GatherAndScatterAddMatchNaive) {
  Shape s{5, 4, 3};
  for (Layout l : kLayouts)
    for (int64_t dim = 0; dim < 3; ++dim) {
      SCOPED_TRACE(std::string(layout_name(l)) + " dim " + std::to_string(dim));
      Shape is{3, 2, 2};  // smaller than s everywhere
      is[dim] = 6;         // along dim it may be longer, with repeats
      std::uniform_int_distribution<int64_t> pick(0, s[dim] - 1);
      std::vector<int64_t> ix(static_cast<size_t>(numel_of(is)));
      for (auto &x : ix) x = pick(rng());
      // A transposed index tensor.
      std::vector<double> ixd(ix.begin(), ix.end());
      Tensor index = make_tensor(ixd, is, NB_DTYPE_I64, l);
      auto v = random_values(rng(), numel_of(s));
      Tensor a = make_tensor(v, s, NB_DTYPE_F64, l);
      Tensor g = call1("gather", {a.get(), index.get()}, {dim});
      ASSERT_EQ(shape_of(g.get()), is);
      auto got = to_vector(g.get());
      for (int64_t i = 0; i < numel_of(is); ++i) {
        Shape k = unravel(i, is);
        k[dim] = ix[i];
        EXPECT_EQ(got[i], v[ravel(k, s)]);
      }
      // scatter_add with a src larger than index: only its leading block is used.
      Shape ss = is;
      for (auto &x : ss) x += 1;
      auto sv = random_values(rng(), numel_of(ss));
      Tensor src = make_tensor(sv, ss, NB_DTYPE_F64, l);
      Tensor r = call1("scatter_add", {a.get(), index.get(), src.get()}, {dim});
      std::vector<double> want = v;
      for (int64_t i = 0; i < numel_of(is); ++i) {
        Shape k = unravel(i, is), src_k = k;
        k[dim] = ix[i];
        want[ravel(k, s)] += sv[ravel(src_k, ss)];
      }
      expect_values_near(to_vector(r.get()), want, NB_DTYPE_F64, "scatter_add");
      EXPECT_EQ(to_vector(a.get()), v);  // out of place
    }
  Tensor a = full({2, 3}, 0.0);
  Tensor bad = index_tensor({0, 3}, {2, 1});
  std::string m = call_error("gather", {a.get(), bad.get()}, {1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("gather"), std::string::npos) << m;
  EXPECT_NE(m.find("index 3 is out of bounds for dimension 1 with size 3"), std::string::npos) << m;
  Tensor src = full({2, 1}, 1.0);
  m = call_error("scatter_add", {a.get(), bad.get(), src.get()}, {1}, NB_ERR_ARGUMENT);
  EXPECT_NE(m.find("scatter_add"), std::string::npos) << m;
  EXPECT_NE(m.find("index 3"), std::string::npos) << m;
  Tensor wide = index_tensor({0, 0, 0, 0, 0, 0}, {3, 2});
  m = call_error("gather", {a.get(), wide.get()}, {1}, NB_ERR_SHAPE);
  EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
}

TEST(Shaping, MaskedFillBroadcastsAndPropagatesNaN) {
  const double inf = INFINITY, nan = NAN;
  std::vector<double> v{1, nan, -inf, 4, 5, 6};
  Tensor a = strided_from_vector(v, {2, 3});
  Tensor mask = from_vector({1, 0, 0}, {3}, NB_DTYPE_BOOL);
  Tensor r = call1("masked_fill", {a.get(), mask.get()}, {}, {-inf});
  auto got = to_vector(r.get());
  std::vector<double> want{-inf, nan, -inf, -inf, 5, 6};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got[i])) << i;
    else EXPECT_EQ(got[i], want[i]) << i;
  }
  // The mask may add dims: out has the broadcast shape.
  Tensor col = from_vector({0, 1}, {2, 1, 1}, NB_DTYPE_BOOL);
  Tensor r2 = call1("masked_fill", {a.get(), col.get()}, {}, {nan});
  EXPECT_EQ(shape_of(r2.get()), (Shape{2, 2, 3}));
  auto g2 = to_vector(r2.get());
  EXPECT_EQ(g2[0], 1);
  EXPECT_TRUE(std::isnan(g2[6]) && std::isnan(g2[11]));
  Tensor fmask = full({3}, 1.0);
  std::string m = call_error("masked_fill", {a.get(), fmask.get()}, {}, NB_ERR_ARGUMENT, {0.0});
  EXPECT_NE(m.find("boolean masks"), std::string::npos) << m;
  Tensor wrong = from_vector({1, 0}, {2}, NB_DTYPE_BOOL);
  m = call_error("masked_fill", {a.get(), wrong.get()}, {}, NB_ERR_SHAPE, {0.0});
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
}
