// Comparisons (eq, ne, lt, le, gt, ge) and logical ops: bool results, no gradient. Like PyTorch,
// operands are compared in their promoted dtype; NaN compares unequal to everything (ne is true).
#include <cmath>

#include "kernels/elementwise.h"
#include "ops/elementwise.h"
#include "ops/registry.h"

namespace nabla {

namespace {

const char* cmp_name(CmpOp op) {
  switch (op) {
    case CmpOp::EQ: return "eq";
    case CmpOp::NE: return "ne";
    case CmpOp::LT: return "lt";
    case CmpOp::LE: return "le";
    case CmpOp::GT: return "gt";
    case CmpOp::GE: return "ge";
  }
  return "?";
}

template <class T>
void compare_kernel(const TensorImpl& out, const TensorImpl& a, const TensorImpl& b, CmpOp op) {
  switch (op) {
    case CmpOp::EQ: map2<bool, T, T>(out, a, b, [](T x, T y) { return x == y; }); break;
    case CmpOp::NE: map2<bool, T, T>(out, a, b, [](T x, T y) { return x != y; }); break;
    case CmpOp::LT: map2<bool, T, T>(out, a, b, [](T x, T y) { return x < y; }); break;
    case CmpOp::LE: map2<bool, T, T>(out, a, b, [](T x, T y) { return x <= y; }); break;
    case CmpOp::GT: map2<bool, T, T>(out, a, b, [](T x, T y) { return x > y; }); break;
    case CmpOp::GE: map2<bool, T, T>(out, a, b, [](T x, T y) { return x >= y; }); break;
  }
}

template <class T>
void compare_scalar_kernel(const TensorImpl& out, const TensorImpl& a, T s, CmpOp op) {
  switch (op) {
    case CmpOp::EQ: map1<bool, T>(out, a, [s](T x) { return x == s; }); break;
    case CmpOp::NE: map1<bool, T>(out, a, [s](T x) { return x != s; }); break;
    case CmpOp::LT: map1<bool, T>(out, a, [s](T x) { return x < s; }); break;
    case CmpOp::LE: map1<bool, T>(out, a, [s](T x) { return x <= s; }); break;
    case CmpOp::GT: map1<bool, T>(out, a, [s](T x) { return x > s; }); break;
    case CmpOp::GE: map1<bool, T>(out, a, [s](T x) { return x >= s; }); break;
  }
}

}  // namespace

Tensor compare(const Tensor& a, const Tensor& b, CmpOp op) {
  const char* name = cmp_name(op);
  Tensor out = empty(broadcast_shapes(a->shape, b->shape, name), DType::Bool);
  DType d = result_type(a, b);
  Tensor x = a->dtype == d ? a : to_dtype(a, d, Ctx{});
  Tensor y = b->dtype == d ? b : to_dtype(b, d, Ctx{});
  NB_DISPATCH_ALL(d, name, [&] { compare_kernel<scalar_t>(*out, *x, *y, op); });
  return out;
}

// The number is converted to the tensor's dtype when the tensor is floating (float32 compares in
// float32, as torch), or when it is integral and the tensor is int64/bool; otherwise (int64 vs 2.5)
// the comparison runs in double.
Tensor compare_scalar(const Tensor& a, double s, CmpOp op) {
  const char* name = cmp_name(op);
  Tensor out = empty(a->shape, DType::Bool);
  bool integral = std::isfinite(s) && s == std::floor(s) && std::fabs(s) < 9.2e18;
  if (is_floating(a->dtype) || !integral) {
    Tensor x = is_floating(a->dtype) ? a : to_dtype(a, DType::F64, Ctx{});
    NB_DISPATCH_FLOAT(x->dtype, name, [&] {
      compare_scalar_kernel<scalar_t>(*out, *x, static_cast<scalar_t>(s), op);
    });
  } else {
    Tensor x = a->dtype == DType::I64 ? a : to_dtype(a, DType::I64, Ctx{});
    compare_scalar_kernel<int64_t>(*out, *x, static_cast<int64_t>(s), op);
  }
  return out;
}

namespace {

// Truthiness: nonzero is true, NaN included (NaN != 0).
template <class T>
inline bool truthy(T v) {
  return v != T(0);
}

}  // namespace

Tensor logical(const Tensor& a, const Tensor& b, LogicOp op) {
  const char* name = op == LogicOp::AND ? "logical_and" : op == LogicOp::OR ? "logical_or" : "logical_xor";
  Tensor out = empty(broadcast_shapes(a->shape, b->shape, name), DType::Bool);
  NB_DISPATCH_ALL(a->dtype, name, [&] {
    using A = scalar_t;
    NB_DISPATCH_ALL(b->dtype, name, [&] {
      using B = scalar_t;
      switch (op) {
        case LogicOp::AND: map2<bool, A, B>(*out, *a, *b, [](A x, B y) { return truthy(x) && truthy(y); }); break;
        case LogicOp::OR: map2<bool, A, B>(*out, *a, *b, [](A x, B y) { return truthy(x) || truthy(y); }); break;
        case LogicOp::XOR: map2<bool, A, B>(*out, *a, *b, [](A x, B y) { return truthy(x) != truthy(y); }); break;
      }
    });
  });
  return out;
}

Tensor logical_not(const Tensor& a) {
  Tensor out = empty(a->shape, DType::Bool);
  NB_DISPATCH_ALL(a->dtype, "logical_not", [&] { map1<bool, scalar_t>(*out, *a, [](scalar_t x) { return !truthy(x); }); });
  return out;
}

// Comparisons: inputs = a, b (broadcasting); the _scalar forms take one tensor and fargs[0].
NB_REGISTER_OP("eq", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::EQ); });
NB_REGISTER_OP("ne", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::NE); });
NB_REGISTER_OP("lt", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::LT); });
NB_REGISTER_OP("le", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::LE); });
NB_REGISTER_OP("gt", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::GT); });
NB_REGISTER_OP("ge", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare(a.tensor(0), a.tensor(1), CmpOp::GE); });
NB_REGISTER_OP("eq_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::EQ); });
NB_REGISTER_OP("ne_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::NE); });
NB_REGISTER_OP("lt_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::LT); });
NB_REGISTER_OP("le_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::LE); });
NB_REGISTER_OP("gt_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::GT); });
NB_REGISTER_OP("ge_scalar", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = compare_scalar(a.tensor(0), a.num(0), CmpOp::GE); });
// Logical ops: any dtypes, truthiness (nonzero, NaN included, is true); bool result.
NB_REGISTER_OP("logical_and", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = logical(a.tensor(0), a.tensor(1), LogicOp::AND); });
NB_REGISTER_OP("logical_or", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = logical(a.tensor(0), a.tensor(1), LogicOp::OR); });
NB_REGISTER_OP("logical_xor", 2, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = logical(a.tensor(0), a.tensor(1), LogicOp::XOR); });
NB_REGISTER_OP("logical_not", 1, 1, false, [](Ctx, const OpArgs& a, std::vector<Tensor>& o) { o[0] = logical_not(a.tensor(0)); });

}  // namespace nabla
