// Tensor basics through the C ABI: creation, shape/stride queries, views and storage sharing,
// copies, dtype conversion, item(), ownership (live tensor count) and the random generators.
#include "test_util.h"

using namespace nbtest;

namespace {

TEST(Library, AbiVersionMatchesHeader) { EXPECT_EQ(nb_abi_version(), NB_ABI_VERSION); }

TEST(Library, FreeNullIsNoOp) {
  nb_tensor_free(nullptr);
  nb_status_free(nullptr);
  nb_generator_free(nullptr);
}

// ---- creation ----

TEST(Creation, EmptyHasShapeDtypeAndContiguousStrides) {
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64, NB_DTYPE_I64}) {
    Shape shape{2, 3, 4};
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_empty(dt, shape.data(), 3, &raw));
    Tensor t(raw);
    EXPECT_EQ(nb_tensor_dtype(t.get()), dt);
    EXPECT_EQ(nb_tensor_ndim(t.get()), 3);
    EXPECT_EQ(nb_tensor_numel(t.get()), 24);
    EXPECT_EQ(shape_of(t.get()), shape);
    EXPECT_EQ(strides_of(t.get()), (Shape{12, 4, 1}));
    EXPECT_TRUE(nb_tensor_is_contiguous(t.get()));
    EXPECT_NE(nb_tensor_data(t.get()), 0);
  }
}

TEST(Creation, ShapeQueryCopiesAtMostCap) {
  Tensor t = full({5, 6, 7}, 0.0);
  int64_t buf[2] = {-1, -1};
  EXPECT_EQ(nb_tensor_shape(t.get(), buf, 2), 3);  // returns ndim, copies only cap sizes
  EXPECT_EQ(buf[0], 5);
  EXPECT_EQ(buf[1], 6);
  EXPECT_EQ(nb_tensor_strides(t.get(), buf, 1), 3);
  EXPECT_EQ(buf[0], 42);
  EXPECT_EQ(buf[1], 6);  // untouched
  EXPECT_EQ(nb_tensor_shape(t.get(), nullptr, 0), 3);
}

TEST(Creation, ScalarTensorHasNoDims) {
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_full(NB_DTYPE_F64, nullptr, 0, 2.5, &raw));
  Tensor t(raw);
  EXPECT_EQ(nb_tensor_ndim(t.get()), 0);
  EXPECT_EQ(nb_tensor_numel(t.get()), 1);
  EXPECT_TRUE(nb_tensor_is_contiguous(t.get()));
  double v = 0;
  NB_ASSERT_OK(nb_tensor_item(t.get(), &v));
  EXPECT_EQ(v, 2.5);
}

TEST(Creation, ZeroSizedDimension) {
  Tensor t = full({3, 0}, 1.0);
  ASSERT_TRUE(t);
  EXPECT_EQ(nb_tensor_numel(t.get()), 0);
  EXPECT_EQ(shape_of(t.get()), (Shape{3, 0}));
}

TEST(Creation, FullFillsEveryElement) {
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64, NB_DTYPE_I64}) {
    Tensor t = full({3, 7}, 4.0, dt);
    ASSERT_TRUE(t);
    EXPECT_EQ(to_vector(t.get()), std::vector<double>(21, 4.0)) << "dtype " << dt;
  }
  Tensor t = full({33}, -0.1, NB_DTYPE_F32);
  EXPECT_EQ(to_vector(t.get()), std::vector<double>(33, static_cast<double>(-0.1f)));
}

TEST(Creation, NegativeSizeFails) {
  Shape shape{2, -3};
  nb_tensor *out = nullptr;
  expect_any_error(nb_tensor_full(NB_DTYPE_F32, shape.data(), 2, 0.0, &out));
  EXPECT_EQ(out, nullptr) << "*out is written only on success";
}

TEST(Creation, Arange) {
  struct Case {
    double start, end, step;
    std::vector<double> want;
  };
  // Length is ceil((end - start) / step), as torch.arange.
  std::vector<Case> cases = {
      {0, 5, 1, {0, 1, 2, 3, 4}},
      {2, 3, 1, {2}},
      {1, 2, 0.25, {1, 1.25, 1.5, 1.75}},
      {5, 0, -1.5, {5, 3.5, 2, 0.5}},
      {0, 0, 1, {}},
  };
  for (const Case &c : cases) {
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_arange(NB_DTYPE_F64, c.start, c.end, c.step, &raw));
    Tensor t(raw);
    EXPECT_EQ(nb_tensor_ndim(t.get()), 1);
    EXPECT_EQ(to_vector(t.get()), c.want) << c.start << ":" << c.end << ":" << c.step;
  }
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_arange(NB_DTYPE_F32, 0, 1000, 1, &raw));
  Tensor t(raw);
  std::vector<double> v = to_vector(t.get());
  ASSERT_EQ(v.size(), 1000u);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<double>(i));
}

TEST(Creation, ArangeFractionalStepCountsLikeTorch) {
  // torch.arange(0, 1, 0.1) has ceil(1 / 0.1) = 10 elements; the last is 0.9, not 1.
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_arange(NB_DTYPE_F32, 0, 1, 0.1, &raw));
  Tensor t(raw);
  EXPECT_EQ(shape_of(t.get()), (Shape{10}));
  std::vector<double> v = to_vector(t.get());
  EXPECT_NEAR(v.back(), 0.9, 1e-6);
}

TEST(Creation, ArangeZeroStepFails) {
  nb_tensor *out = nullptr;
  expect_error(nb_tensor_arange(NB_DTYPE_F64, 0, 1, 0, &out), NB_ERR_ARGUMENT);
  EXPECT_EQ(out, nullptr);
}

// ---- views share storage ----

TEST(Views, ReshapeOfContiguousIsAView) {
  Tensor t = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  Shape s{3, -1};  // -1 is inferred as 2
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_reshape(0, t.get(), s.data(), 2, &raw));
  Tensor r(raw);
  EXPECT_EQ(shape_of(r.get()), (Shape{3, 2}));
  EXPECT_EQ(nb_tensor_data(r.get()), nb_tensor_data(t.get()));
  EXPECT_EQ(to_vector(r.get()), (std::vector<double>{0, 1, 2, 3, 4, 5}));

  // A write through the original is visible through the view.
  NB_ASSERT_OK(nb_tensor_fill_(0, t.get(), 7.0));
  EXPECT_EQ(to_vector(r.get()), std::vector<double>(6, 7.0));
}

TEST(Views, ReshapeToScalarAndBack) {
  Tensor t = from_vector({3.0}, {1, 1});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_reshape(0, t.get(), nullptr, 0, &raw));
  Tensor s(raw);
  EXPECT_EQ(nb_tensor_ndim(s.get()), 0);
  EXPECT_EQ(to_vector(s.get()), std::vector<double>{3.0});
}

TEST(Views, ReshapeWrongNumelFails) {
  Tensor t = full({2, 3}, 0.0);
  Shape s{4};
  nb_tensor *out = nullptr;
  std::string msg = expect_error(nb_tensor_reshape(0, t.get(), s.data(), 1, &out), NB_ERR_SHAPE);
  EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
  EXPECT_EQ(out, nullptr);
}

TEST(Views, ReshapeWithTwoInferredDimsFails) {
  // torch: "only one dimension can be inferred"
  Tensor t = full({2, 3}, 0.0);
  Shape s{-1, -1};
  nb_tensor *out = nullptr;
  expect_any_error(nb_tensor_reshape(0, t.get(), s.data(), 2, &out));
  EXPECT_EQ(out, nullptr);
}

TEST(Views, TransposeSwapsStridesAndSharesStorage) {
  Tensor t = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &raw));
  Tensor tt(raw);
  EXPECT_EQ(shape_of(tt.get()), (Shape{3, 2}));
  EXPECT_EQ(strides_of(tt.get()), (Shape{1, 3}));
  EXPECT_FALSE(nb_tensor_is_contiguous(tt.get()));
  EXPECT_EQ(nb_tensor_data(tt.get()), nb_tensor_data(t.get()));
  EXPECT_EQ(to_vector(tt.get()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Views, ContiguityIgnoresStridesOfSizeOneDims) {
  // As torch: [1, 3]^T has strides [1, 3], yet its elements are in row-major order.
  Tensor t = full({1, 3}, 0.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &raw));
  Tensor tt(raw);
  EXPECT_TRUE(nb_tensor_is_contiguous(tt.get()));
  // Transposing twice is contiguous again.
  Tensor u = full({2, 3}, 0.0);
  NB_ASSERT_OK(nb_tensor_transpose(0, u.get(), 0, 1, &raw));
  Tensor ut(raw);
  NB_ASSERT_OK(nb_tensor_transpose(0, ut.get(), 1, 0, &raw));
  Tensor utt(raw);
  EXPECT_TRUE(nb_tensor_is_contiguous(utt.get()));
  EXPECT_EQ(strides_of(utt.get()), (Shape{3, 1}));
}

TEST(Views, ReshapeOfStridedIsAViewWhenStridesAllow) {
  // [2, 3]^T -> [3, 2, 1] only appends a size-1 dim: torch returns a view, no copy.
  Tensor t = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &raw));
  Tensor tt(raw);
  Shape s{3, 2, 1};
  NB_ASSERT_OK(nb_tensor_reshape(0, tt.get(), s.data(), 3, &raw));
  Tensor r(raw);
  EXPECT_EQ(nb_tensor_data(r.get()), nb_tensor_data(t.get()));
  EXPECT_EQ(to_vector(r.get()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Views, TransposeNegativeDimsOn3D) {
  std::mt19937 rng(1);
  Shape shape{2, 3, 4};
  Tensor t = from_vector(random_values(rng, 24), shape);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), -1, 0, &raw));  // dims 2 and 0
  Tensor tt(raw);
  EXPECT_EQ(shape_of(tt.get()), (Shape{4, 3, 2}));
  EXPECT_EQ(strides_of(tt.get()), (Shape{1, 4, 12}));
  std::vector<double> src = to_vector(t.get()), got = to_vector(tt.get());
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 2; ++k) EXPECT_EQ(got[(i * 3 + j) * 2 + k], src[(k * 3 + j) * 4 + i]);
}

TEST(Views, TransposeDimOutOfRangeFails) {
  Tensor t = full({2, 3}, 0.0);
  nb_tensor *out = nullptr;
  expect_error(nb_tensor_transpose(0, t.get(), 0, 2, &out), NB_ERR_ARGUMENT);
  EXPECT_EQ(out, nullptr);
}

TEST(Views, ExpandGivesStrideZero) {
  Tensor t = from_vector({1, 2, 3}, {3, 1});
  Shape s{2, 3, 4};  // adds a leading dim and broadcasts the size-1 dim
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, t.get(), s.data(), 3, &raw));
  Tensor e(raw);
  EXPECT_EQ(shape_of(e.get()), s);
  Shape st = strides_of(e.get());
  EXPECT_EQ(st[0], 0);
  EXPECT_EQ(st[1], 1);
  EXPECT_EQ(st[2], 0);
  EXPECT_EQ(nb_tensor_data(e.get()), nb_tensor_data(t.get()));
  std::vector<double> v = to_vector(e.get());
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(v[i], 1.0 + (i / 4) % 3) << i;
}

TEST(Views, ExpandMinusOneKeepsSize) {
  Tensor t = from_vector({1, 2, 3}, {3, 1});
  Shape s{-1, 5};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, t.get(), s.data(), 2, &raw));
  Tensor e(raw);
  EXPECT_EQ(shape_of(e.get()), (Shape{3, 5}));
  EXPECT_EQ(strides_of(e.get())[1], 0);
}

TEST(Views, ExpandNonSingletonFails) {
  Tensor t = full({3, 2}, 0.0);
  Shape s{3, 4};
  nb_tensor *out = nullptr;
  std::string msg = expect_error(nb_tensor_expand(0, t.get(), s.data(), 2, &out), NB_ERR_SHAPE);
  EXPECT_NE(msg.find("[3, 2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3, 4]"), std::string::npos) << msg;
}

TEST(Views, ExpandOfScalarTensor) {
  Tensor t = full({}, 2.0);
  Shape s{2, 3};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, t.get(), s.data(), 2, &raw));
  Tensor e(raw);
  EXPECT_EQ(strides_of(e.get()), (Shape{0, 0}));
  EXPECT_EQ(to_vector(e.get()), std::vector<double>(6, 2.0));
}

TEST(Views, InPlaceOnExpandedTensorFails) {
  // Six elements share one memory location. torch: "unsupported operation: more than one element
  // of the written-to tensor refers to a single memory location. Please clone() the tensor ..."
  Tensor t = full({3, 1}, 1.0);
  Shape s{3, 4};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_expand(0, t.get(), s.data(), 2, &raw));
  Tensor e(raw);
  std::string msg = expect_any_error(nb_tensor_add_scalar_(0, e.get(), 1.0));
  EXPECT_NE(msg.find("single memory location"), std::string::npos) << msg;
  EXPECT_EQ(to_vector(t.get()), std::vector<double>(3, 1.0)) << "nothing written";
}

TEST(Views, ViewOfTransposedFailsButReshapeCopies) {
  Tensor t = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &raw));
  Tensor tt(raw);
  Shape flat{6};
  nb_tensor *out = nullptr;
  // torch: "view size is not compatible with input tensor's size and stride ... Use .reshape(...)"
  expect_any_error(nb_tensor_view(0, tt.get(), flat.data(), 1, &out));
  EXPECT_EQ(out, nullptr);

  NB_ASSERT_OK(nb_tensor_reshape(0, tt.get(), flat.data(), 1, &raw));
  Tensor r(raw);
  EXPECT_NE(nb_tensor_data(r.get()), nb_tensor_data(t.get())) << "must copy";
  EXPECT_EQ(to_vector(r.get()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Views, ViewOfContiguousSharesStorage) {
  Tensor t = from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  Shape s{3, 1, 2};
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_view(0, t.get(), s.data(), 3, &raw));
  Tensor v(raw);
  EXPECT_EQ(shape_of(v.get()), s);
  EXPECT_EQ(nb_tensor_data(v.get()), nb_tensor_data(t.get()));
}

TEST(Views, ViewKeepsStorageAliveAfterBaseIsFreed) {
  Tensor t = from_vector({1, 2, 3, 4}, {2, 2});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_transpose(0, t.get(), 0, 1, &raw));
  Tensor tt(raw);
  t.reset();  // the view holds the storage; ASan flags a use-after-free here if it does not
  EXPECT_EQ(to_vector(tt.get()), (std::vector<double>{1, 3, 2, 4}));
}

// ---- copies ----

TEST(Copies, ContiguousOfTransposedCopiesInRowMajorOrder) {
  std::mt19937 rng(7);
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64}) {
    Shape shape{5, 3, 7};
    std::vector<double> vals = rounded(random_values(rng, numel_of(shape)), dt);
    Tensor t = strided_from_vector(vals, shape, dt);
    ASSERT_FALSE(nb_tensor_is_contiguous(t.get()));
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_contiguous(0, t.get(), &raw));
    Tensor c(raw);
    EXPECT_TRUE(nb_tensor_is_contiguous(c.get()));
    EXPECT_EQ(strides_of(c.get()), contiguous_strides(shape));
    EXPECT_EQ(nb_tensor_dtype(c.get()), dt);
    // Read the raw buffer directly: contiguous means row-major from the data address.
    intptr_t base = nb_tensor_data(c.get());
    for (size_t i = 0; i < vals.size(); ++i) ASSERT_EQ(load(base, dt, i), vals[i]) << i;
  }
}

TEST(Copies, ContiguousOfContiguousIsSameStorage) {
  Tensor t = full({4, 4}, 1.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_contiguous(0, t.get(), &raw));
  Tensor c(raw);
  EXPECT_EQ(nb_tensor_data(c.get()), nb_tensor_data(t.get()));
}

TEST(Copies, CloneOwnsItsStorage) {
  Tensor t = strided_from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_clone(0, t.get(), &raw));
  Tensor c(raw);
  EXPECT_EQ(shape_of(c.get()), (Shape{2, 3}));
  EXPECT_EQ(to_vector(c.get()), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_NE(nb_tensor_data(c.get()), nb_tensor_data(t.get()));
  NB_ASSERT_OK(nb_tensor_fill_(0, c.get(), 0.0));
  EXPECT_EQ(to_vector(t.get()), (std::vector<double>{1, 2, 3, 4, 5, 6})) << "original unchanged";
}

TEST(Copies, ToDtypeBetweenFloatTypes) {
  // 0.1 is not representable: f64 -> f32 rounds to nearest float, f32 -> f64 is exact.
  std::vector<double> vals{0.1, -2.5, 1e-3, 3.0e38, 1.0 / 3.0};
  Tensor d = from_vector(vals, {5}, NB_DTYPE_F64);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_to_dtype(0, d.get(), NB_DTYPE_F32, &raw));
  Tensor f(raw);
  EXPECT_EQ(nb_tensor_dtype(f.get()), NB_DTYPE_F32);
  EXPECT_EQ(to_vector(f.get()), rounded(vals, NB_DTYPE_F32));

  NB_ASSERT_OK(nb_tensor_to_dtype(0, f.get(), NB_DTYPE_F64, &raw));
  Tensor back(raw);
  EXPECT_EQ(nb_tensor_dtype(back.get()), NB_DTYPE_F64);
  EXPECT_EQ(to_vector(back.get()), rounded(vals, NB_DTYPE_F32));
}

TEST(Copies, ToDtypeOfStridedInput) {
  Tensor t = strided_from_vector({1, 2, 3, 4, 5, 6}, {3, 2}, NB_DTYPE_F32);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_to_dtype(0, t.get(), NB_DTYPE_F64, &raw));
  Tensor d(raw);
  EXPECT_EQ(shape_of(d.get()), (Shape{3, 2}));
  EXPECT_EQ(to_vector(d.get()), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

// ---- item ----

TEST(Item, OneElementOfAnyRank) {
  for (const Shape &s : {Shape{}, Shape{1}, Shape{1, 1, 1}}) {
    Tensor t = full(s, -3.25, NB_DTYPE_F32);
    double v = 0;
    NB_ASSERT_OK(nb_tensor_item(t.get(), &v));
    EXPECT_EQ(v, -3.25) << shape_str(s);
  }
}

TEST(Item, ManyElementsFailsNamingTheCount) {
  Tensor t = full({2, 3}, 1.0);
  double v = 42;
  // torch: "a Tensor with 6 elements cannot be converted to Scalar"
  std::string msg = expect_any_error(nb_tensor_item(t.get(), &v));
  EXPECT_NE(msg.find("cannot be converted to Scalar"), std::string::npos) << msg;
  EXPECT_NE(msg.find("6"), std::string::npos) << msg;
  EXPECT_EQ(v, 42) << "*out is written only on success";

  Tensor empty = full({0}, 1.0);
  msg = expect_any_error(nb_tensor_item(empty.get(), &v));
  EXPECT_NE(msg.find("0 elements"), std::string::npos) << msg;
}

// ---- ownership ----

TEST(Ownership, LiveTensorCountReturnsToStart) {
  int64_t start = nb_live_tensors();
  {
    Tensor a = full({3, 4}, 1.0);
    Tensor b = full({4}, 2.0);
    EXPECT_EQ(nb_live_tensors(), start + 2);
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_add(0, a.get(), b.get(), &raw));
    Tensor c(raw);
    NB_ASSERT_OK(nb_tensor_transpose(0, c.get(), 0, 1, &raw));
    Tensor ct(raw);
    EXPECT_GT(nb_live_tensors(), start + 2);
    // contiguous() of a contiguous tensor hands out a new reference, freed on its own.
    NB_ASSERT_OK(nb_tensor_contiguous(0, a.get(), &raw));
    Tensor ac(raw);
    NB_ASSERT_OK(nb_tensor_detach(c.get(), &raw));
    Tensor cd(raw);
  }
  EXPECT_EQ(nb_live_tensors(), start);
}

TEST(Ownership, RetainAddsAReference) {
  int64_t start = nb_live_tensors();
  Tensor a = full({2}, 5.0);
  Tensor b(nb_tensor_retain(a.get()));
  ASSERT_TRUE(b);
  EXPECT_EQ(nb_tensor_data(a.get()), nb_tensor_data(b.get()));
  a.reset();  // b still holds the tensor
  EXPECT_EQ(to_vector(b.get()), (std::vector<double>{5, 5}));
  b.reset();
  EXPECT_EQ(nb_live_tensors(), start);
}

TEST(Ownership, FailedCallsLeakNothing) {
  int64_t start = nb_live_tensors();
  {
    Tensor a = full({2, 3}, 1.0);
    Tensor b = full({4}, 1.0);
    nb_tensor *out = nullptr;
    expect_error(nb_tensor_add(0, a.get(), b.get(), &out), NB_ERR_SHAPE);
    expect_error(nb_tensor_matmul(0, a.get(), b.get(), &out), NB_ERR_SHAPE);
  }
  EXPECT_EQ(nb_live_tensors(), start);
}

// ---- in-place ops bump the version ----

TEST(InPlace, VersionCountsInPlaceOps) {
  Tensor a = full({3}, 1.0);
  Tensor b = from_vector({1, 2, 3}, {3});
  int64_t v0 = nb_tensor_version(a.get());
  NB_ASSERT_OK(nb_tensor_add_(0, a.get(), b.get()));           // 2 3 4
  NB_ASSERT_OK(nb_tensor_mul_scalar_(0, a.get(), 2.0));        // 4 6 8
  NB_ASSERT_OK(nb_tensor_add_scaled_(0, a.get(), b.get(), -2));  // 2 2 2
  EXPECT_EQ(nb_tensor_version(a.get()), v0 + 3);
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{2, 2, 2}));
  // A view shares the storage's counter.
  nb_tensor *raw = nullptr;
  Shape s{1, 3};
  NB_ASSERT_OK(nb_tensor_view(0, a.get(), s.data(), 2, &raw));
  Tensor v(raw);
  NB_ASSERT_OK(nb_tensor_fill_(0, v.get(), 0.0));
  EXPECT_EQ(nb_tensor_version(a.get()), v0 + 4);
  EXPECT_EQ(nb_tensor_version(v.get()), v0 + 4);
}

// ---- random generators ----

std::vector<double> sample(nb_generator *g, bool normal, int32_t dt, const Shape &s) {
  nb_tensor *raw = nullptr;
  nb_status *st = normal ? nb_tensor_randn(g, dt, s.data(), static_cast<int32_t>(s.size()), &raw)
                         : nb_tensor_rand(g, dt, s.data(), static_cast<int32_t>(s.size()), &raw);
  if (st) {
    ADD_FAILURE() << take_message(st);
    return {};
  }
  Tensor t(raw);
  EXPECT_EQ(nb_tensor_dtype(t.get()), dt);
  EXPECT_EQ(shape_of(t.get()), s);
  return to_vector(t.get());
}

TEST(Random, SameSeedSameSamples) {
  for (bool normal : {true, false}) {
    for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64}) {
      Generator g1(nb_generator_new(1234)), g2(nb_generator_new(1234)), g3(nb_generator_new(99));
      std::vector<double> a = sample(g1.get(), normal, dt, {17, 3});
      std::vector<double> b = sample(g2.get(), normal, dt, {17, 3});
      std::vector<double> c = sample(g3.get(), normal, dt, {17, 3});
      EXPECT_EQ(a, b);
      EXPECT_NE(a, c);
      // The generator advances, and set_seed rewinds it.
      std::vector<double> a2 = sample(g1.get(), normal, dt, {17, 3});
      EXPECT_NE(a, a2);
      nb_generator_set_seed(g1.get(), 1234);
      EXPECT_EQ(sample(g1.get(), normal, dt, {17, 3}), a);
    }
  }
}

TEST(Random, MomentsAreRoughlyRight) {
  const int64_t n = 100000;
  Generator g(nb_generator_new(42));
  for (int32_t dt : {NB_DTYPE_F32, NB_DTYPE_F64}) {
    for (bool normal : {true, false}) {
      std::vector<double> v = sample(g.get(), normal, dt, {n});
      double mean = 0, var = 0;
      for (double x : v) mean += x;
      mean /= n;
      for (double x : v) var += (x - mean) * (x - mean);
      var /= n - 1;
      // Standard normal: mean 0, variance 1. Uniform [0, 1): mean 1/2, variance 1/12.
      // The standard error of the mean is sqrt(var / n) < 0.0032; allow about 6 of them.
      double want_mean = normal ? 0.0 : 0.5, want_var = normal ? 1.0 : 1.0 / 12.0;
      EXPECT_NEAR(mean, want_mean, 0.02) << (normal ? "randn" : "rand");
      EXPECT_NEAR(var, want_var, 0.05 * want_var) << (normal ? "randn" : "rand");
      if (!normal) {
        for (double x : v) ASSERT_TRUE(x >= 0.0 && x < 1.0) << x;
      }
    }
  }
}

}  // namespace

// contiguous() of large transposed matrices takes the tiled path (Note [transposed copies]):
// sizes that are not multiples of the tile, f32 and f64, against a naive transpose.
TEST(Contiguous, LargeTransposedMatricesCopyCorrectly) {
  std::mt19937 rng(7);
  for (int32_t dtype : {NB_DTYPE_F32, NB_DTYPE_F64}) {
    for (auto [r, c] : std::vector<std::pair<int64_t, int64_t>>{{33, 70}, {64, 32}, {100, 45}, {257, 129}}) {
      std::vector<double> v = rounded(random_values(rng, r * c), dtype);
      Tensor a = from_vector(v, {r, c}, dtype);
      nb_tensor *t = nullptr, *ct = nullptr;
      NB_ASSERT_OK(nb_tensor_transpose(0, a.get(), 0, 1, &t));
      Tensor at(t);
      NB_ASSERT_OK(nb_tensor_contiguous(0, at.get(), &ct));
      Tensor cont(ct);
      EXPECT_TRUE(nb_tensor_is_contiguous(cont.get()));
      std::vector<double> got = to_vector(cont.get()), want(static_cast<size_t>(r * c));
      for (int64_t i = 0; i < c; ++i)
        for (int64_t j = 0; j < r; ++j) want[i * r + j] = v[j * c + i];
      EXPECT_EQ(got, want) << r << "x" << c;
    }
  }
}
