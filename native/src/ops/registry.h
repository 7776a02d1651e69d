// The op registry: every op reachable through nb_op_call, with its arity and whether it has a
// backward rule. Each op family file registers its own ops at its end, one line per op; the
// Java test suite walks this list and fails for a differentiable op without a gradient check.
#pragma once
#include <string>
#include <vector>

#include "ops/ops.h"

namespace nabla {

// The arguments of one call: tensors, then numbers, then integers (dims, sizes, flags).
struct OpArgs {
  const char* op;
  const Tensor* in;
  int n_in;
  const double* f;
  int nf;
  const int64_t* i;
  int ni;

  const Tensor& tensor(int k) const;
  double num(int k) const;
  double num_or(int k, double fallback) const { return k < nf ? f[k] : fallback; }
  int64_t integer(int k) const;
  int64_t integer_or(int k, int64_t fallback) const { return k < ni ? i[k] : fallback; }
  Dims ints_from(int k) const { return Dims(i + (k < ni ? k : ni), i + ni); }
};

// Writes the op's outputs: out arrives sized n_out (empty for a variable count, then pushed).
using OpFn = void (*)(Ctx ctx, const OpArgs& args, std::vector<Tensor>& out);

struct OpDef {
  const char* name;
  int n_in;   // tensors it takes; -1 for a list (cat, stack)
  int n_out;  // tensors it returns; -1 when it depends on the arguments (split, chunk)
  bool differentiable;
  OpFn fn;
};

const std::vector<OpDef>& op_registry();
int find_op(const std::string& name);

struct OpRegistrar {
  explicit OpRegistrar(const OpDef& def);
};

#define NB_CAT2(a, b) a##b
#define NB_CAT(a, b) NB_CAT2(a, b)
// NB_REGISTER_OP("exp", 1, 1, true, [](Ctx c, const OpArgs& a, std::vector<Tensor>& o) { o[0] = exp(a.tensor(0), c); });
#define NB_REGISTER_OP(name, n_in, n_out, differentiable, fn) \
  static ::nabla::OpRegistrar NB_CAT(nb_op_registrar_, __LINE__)({name, n_in, n_out, differentiable, fn})

}  // namespace nabla
