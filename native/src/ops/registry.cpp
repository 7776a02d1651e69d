#include "ops/registry.h"

namespace nabla {

namespace {
// Function-local, so registrars in other files may run in any static-initialization order.
std::vector<OpDef>& mutable_registry() {
  static std::vector<OpDef> defs;
  return defs;
}
}  // namespace

const std::vector<OpDef>& op_registry() { return mutable_registry(); }

int find_op(const std::string& name) {
  const auto& r = op_registry();
  for (size_t k = 0; k < r.size(); ++k)
    if (name == r[k].name) return static_cast<int>(k);
  return -1;
}

OpRegistrar::OpRegistrar(const OpDef& def) { mutable_registry().push_back(def); }

const Tensor& OpArgs::tensor(int k) const {
  if (k >= n_in) fail_arg(std::string(op) + ": expected at least " + std::to_string(k + 1) + " tensor arguments, got " + std::to_string(n_in));
  return in[k];
}

double OpArgs::num(int k) const {
  if (k >= nf) fail_arg(std::string(op) + ": expected at least " + std::to_string(k + 1) + " number arguments, got " + std::to_string(nf));
  return f[k];
}

int64_t OpArgs::integer(int k) const {
  if (k >= ni) fail_arg(std::string(op) + ": expected at least " + std::to_string(k + 1) + " integer arguments, got " + std::to_string(ni));
  return i[k];
}

// The core ops, which also have their own C functions (the hot path), listed here so that the
// registry names every op with a gradient.
NB_REGISTER_OP("add", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = add(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("sub", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sub(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("mul", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = mul(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("div", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = div(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("add_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = add_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("sub_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sub_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("mul_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = mul_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("div_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = div_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("rsub_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = rsub_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("rdiv_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = rdiv_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("neg", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = neg(a.tensor(0), c); });
NB_REGISTER_OP("pow_scalar", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = pow_scalar(a.tensor(0), a.num(0), c); });
NB_REGISTER_OP("sum", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sum(a.tensor(0), c); });
// sum_dims: iargs = keep_dim, then the dims
NB_REGISTER_OP("sum_dims", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = sum_dims(a.tensor(0), a.ints_from(1), a.integer(0) != 0, c); });
NB_REGISTER_OP("mean", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = mean(a.tensor(0), c); });
NB_REGISTER_OP("mean_dims", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = mean_dims(a.tensor(0), a.ints_from(1), a.integer(0) != 0, c); });
NB_REGISTER_OP("reshape", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = reshape(a.tensor(0), a.ints_from(0), c); });
NB_REGISTER_OP("view", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = view(a.tensor(0), a.ints_from(0), c); });
NB_REGISTER_OP("transpose", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = transpose(a.tensor(0), a.integer(0), a.integer(1), c); });
NB_REGISTER_OP("expand", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = expand(a.tensor(0), a.ints_from(0), c); });
NB_REGISTER_OP("contiguous", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = contiguous(a.tensor(0), c); });
NB_REGISTER_OP("clone", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = clone(a.tensor(0), c); });
// to_dtype: iargs = dtype code
NB_REGISTER_OP("to_dtype", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = to_dtype(a.tensor(0), dtype_from_code(static_cast<int32_t>(a.integer(0))), c); });
NB_REGISTER_OP("matmul", 2, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = matmul(a.tensor(0), a.tensor(1), c); });
NB_REGISTER_OP("detach", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = detach(a.tensor(0)); });

}  // namespace nabla
