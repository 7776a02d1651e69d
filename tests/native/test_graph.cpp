// Graph inspection through the C ABI: the tutorial graph's nodes, edges and leaves, the ownership of
// node handles (a node outlives the tensors that made it while a handle holds it), and NULL cases.
#include "test_util.h"

using namespace nbtest;

namespace {

struct NodeFree {
  void operator()(nb_node *n) const { nb_node_free(n); }
};
using Node = std::unique_ptr<nb_node, NodeFree>;

std::string name_of(const Node &n) {
  const char *s = nb_node_name(n.get());
  return s ? s : "(null)";
}

Node next(const Node &n, int32_t i, int32_t *input_nr = nullptr) {
  return Node(nb_node_next(n.get(), i, input_nr));
}

}  // namespace

// out = mean(3 * y * y), y = x + 2: MeanBackward0 <- MulBackward0 (scalar) <- MulBackward0 (y, y)
// <- AddBackward0 <- AccumulateGrad(x).
TEST(Graph, TutorialGraphHasPyTorchsNodesAndEdges) {
  Tensor x = full({2, 2}, 1.0, NB_DTYPE_F32);
  NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_add_scalar(NB_GRAD, x.get(), 2.0, &raw));
  Tensor y(raw);
  NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, y.get(), y.get(), &raw));
  Tensor yy(raw);
  NB_ASSERT_OK(nb_tensor_mul_scalar(NB_GRAD, yy.get(), 3.0, &raw));
  Tensor z(raw);
  NB_ASSERT_OK(nb_tensor_mean(NB_GRAD, z.get(), &raw));
  Tensor out(raw);

  Node mean(nb_tensor_grad_fn_node(out.get()));
  ASSERT_TRUE(mean);
  EXPECT_EQ("MeanBackward0", name_of(mean));
  ASSERT_EQ(1, nb_node_num_next(mean.get()));
  Node mul3 = next(mean, 0);
  EXPECT_EQ("MulBackward0", name_of(mul3));
  ASSERT_EQ(1, nb_node_num_next(mul3.get()));
  Node mul = next(mul3, 0);
  EXPECT_EQ("MulBackward0", name_of(mul));
  ASSERT_EQ(2, nb_node_num_next(mul.get()));
  int32_t nr = -1;
  Node add0 = next(mul, 0, &nr);
  EXPECT_EQ(0, nr);
  Node add1 = next(mul, 1);
  EXPECT_EQ("AddBackward0", name_of(add0));
  // y * y: both edges lead to the same node, with the same identity.
  EXPECT_EQ(nb_node_id(add0.get()), nb_node_id(add1.get()));
  EXPECT_NE(nb_node_id(mul.get()), nb_node_id(mul3.get()));
  Node acc = next(add0, 0);
  EXPECT_EQ("AccumulateGrad", name_of(acc));
  EXPECT_EQ(0, nb_node_num_next(acc.get()));
  Tensor leaf(nb_node_variable(acc.get()));
  // The leaf handle is the same native tensor as x: the same address.
  EXPECT_EQ(x.get(), leaf.get());
  EXPECT_EQ(nullptr, nb_node_variable(mul.get()));
  // The same leaf reached twice gives the same AccumulateGrad.
  Node acc2 = next(add1, 0);
  EXPECT_EQ(nb_node_id(acc.get()), nb_node_id(acc2.get()));
}

TEST(Graph, LeavesAndUntrackedInputsHaveNoNode) {
  Tensor x = full({3}, 1.0);
  EXPECT_EQ(nullptr, nb_tensor_grad_fn_node(x.get()));
  NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
  EXPECT_EQ(nullptr, nb_tensor_grad_fn_node(x.get()));  // a leaf has no grad_fn
  Tensor c = full({3}, 2.0);
  nb_tensor *raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, c.get(), x.get(), &raw));
  Tensor y(raw);
  Node mul(nb_tensor_grad_fn_node(y.get()));
  ASSERT_EQ(2, nb_node_num_next(mul.get()));
  EXPECT_FALSE(next(mul, 0));  // c needs no gradient: no node
  EXPECT_TRUE(next(mul, 1));
  EXPECT_FALSE(next(mul, 2));  // out of range
  EXPECT_FALSE(next(mul, -1));
  // NULL handles are harmless.
  EXPECT_EQ(nullptr, nb_tensor_grad_fn_node(nullptr));
  EXPECT_EQ(nullptr, nb_node_name(nullptr));
  EXPECT_EQ(0, nb_node_num_next(nullptr));
  EXPECT_EQ(0, nb_node_id(nullptr));
  EXPECT_EQ(nullptr, nb_node_next(nullptr, 0, nullptr));
  EXPECT_EQ(nullptr, nb_node_variable(nullptr));
  nb_node_free(nullptr);
}

TEST(Graph, ANodeHandleKeepsTheGraphAlive) {
  int64_t before = nb_live_tensors();
  Node node;
  {
    Tensor x = full({2}, 3.0);
    NB_ASSERT_OK(nb_tensor_set_requires_grad(x.get(), 1));
    nb_tensor *raw = nullptr;
    NB_ASSERT_OK(nb_tensor_pow_scalar(NB_GRAD, x.get(), 2.0, &raw));
    Tensor y(raw);
    node.reset(nb_tensor_grad_fn_node(y.get()));
  }
  // x and y are freed by the test; the node still holds x through its saved tensor and AccumulateGrad.
  ASSERT_TRUE(node);
  EXPECT_EQ("PowBackward0", name_of(node));
  Node acc = next(node, 0);
  Tensor leaf(nb_node_variable(acc.get()));
  ASSERT_TRUE(leaf);
  EXPECT_EQ(Shape({2}), shape_of(leaf.get()));
  leaf.reset();
  acc.reset();
  node.reset();
  EXPECT_EQ(before, nb_live_tensors());
}

// Saved tensors are listed per node (torchviz's show_saved) until backward frees them.
TEST(Graph, SavedTensorsAreListedUntilBackwardFreesThem) {
  Tensor a = full({2, 3}, 1.0);
  NB_ASSERT_OK(nb_tensor_set_requires_grad(a.get(), 1));
  Tensor b = full({3}, 2.0);
  nb_tensor *prod_raw = nullptr, *sum_raw = nullptr;
  NB_ASSERT_OK(nb_tensor_mul(NB_GRAD, a.get(), b.get(), &prod_raw));
  Tensor prod(prod_raw);
  NB_ASSERT_OK(nb_tensor_sum(NB_GRAD, prod.get(), &sum_raw));
  Tensor out(sum_raw);
  Node mul = next(Node(nb_tensor_grad_fn_node(out.get())), 0);
  ASSERT_EQ(name_of(mul), "MulBackward0");
  // Only b is saved: it is a's gradient factor, and b itself needs no gradient.
  ASSERT_EQ(nb_node_num_saved(mul.get()), 1);
  Tensor saved(nb_node_saved(mul.get(), 0));
  ASSERT_TRUE(saved);
  EXPECT_EQ(shape_of(saved.get()), (Shape{3}));
  EXPECT_EQ(nb_node_saved(mul.get(), 1), nullptr);
  NB_ASSERT_OK(nb_tensor_backward(NB_GRAD, out.get(), nullptr, 0, 0));
  EXPECT_EQ(nb_node_num_saved(mul.get()), 1);
  EXPECT_EQ(nb_node_saved(mul.get(), 0), nullptr);
}
