// In-place arithmetic on int64 tensors (counters such as BatchNorm's num_batches_tracked) and the
// refusal for bool, against plain integer arithmetic.
#include <gtest/gtest.h>

#include "test_util.h"

using namespace nbtest;

namespace {

TEST(InPlaceInt64, ScalarAndTensorUpdatesStayExactIntegers) {
  Tensor a = from_vector({1, -2, 3}, {3}, NB_DTYPE_I64);
  NB_ASSERT_OK(nb_tensor_add_scalar_(0, a.get(), 1.0));
  NB_ASSERT_OK(nb_tensor_mul_scalar_(0, a.get(), 3.0));
  Tensor b = from_vector({10, 20, 30}, {3}, NB_DTYPE_I64);
  NB_ASSERT_OK(nb_tensor_add_(0, a.get(), b.get()));
  NB_ASSERT_OK(nb_tensor_sub_(0, a.get(), b.get()));
  NB_ASSERT_OK(nb_tensor_add_scaled_(0, a.get(), b.get(), 2.0));
  // ((x + 1) * 3 + b - b) + 2b = 3x + 3 + 2b
  EXPECT_EQ(to_vector(a.get()), (std::vector<double>{26, 37, 72}));
  EXPECT_EQ(nb_tensor_dtype(a.get()), NB_DTYPE_I64);
  EXPECT_EQ(nb_tensor_version(a.get()), 5);
}

TEST(InPlaceInt64, LargeValuesAreNotRoundedThroughDouble) {
  // 2^53 + 1 is not a double; an int64 kernel keeps it.
  int64_t shape[1] = {1};
  nb_tensor* raw = nullptr;
  NB_ASSERT_OK(nb_tensor_full(NB_DTYPE_I64, shape, 1, 9007199254740992.0, &raw));
  Tensor a(raw);
  NB_ASSERT_OK(nb_tensor_add_scalar_(0, a.get(), 1.0));
  EXPECT_EQ(*reinterpret_cast<int64_t*>(nb_tensor_data(a.get())), 9007199254740993LL);
}

TEST(InPlaceBool, ArithmeticIsRefusedWithTheDtypeInTheMessage) {
  Tensor a = from_vector({1, 0}, {2}, NB_DTYPE_BOOL);
  std::string msg = expect_error(nb_tensor_add_scalar_(0, a.get(), 1.0), NB_ERR_ARGUMENT);
  EXPECT_NE(msg.find("bool"), std::string::npos) << msg;
}

}  // namespace
