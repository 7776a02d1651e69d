// The C ABI: extern "C" wrappers only. Each one checks its handles, calls into the core, and
// turns any C++ exception into an nb_status; nothing throws past this file.
//
// An nb_tensor* is the address of a TensorImpl holding one counted reference for the caller.
#include <cstring>
#include <new>
#include <string>

#include "nabla.h"
#include "ops/fuse.h"
#include "ops/ops.h"
#include "ops/random.h"
#include "capi/status.h"

using namespace nabla;
using namespace nabla::capi;

namespace {

Ctx ctx_of(int32_t flags) { return Ctx{(flags & NB_GRAD) != 0}; }

Generator* gen(nb_generator* g) { return reinterpret_cast<Generator*>(g); }

}  // namespace

nb_status nabla::capi::g_oom{NB_ERR_MEMORY, "out of memory"};

extern "C" {

int32_t nb_abi_version(void) { return NB_ABI_VERSION; }
int64_t nb_live_tensors(void) { return live_tensors(); }
int64_t nb_deferred_tensors(void) { return pending_lazy_count(); }

int32_t nb_status_code(const nb_status* s) { return s ? s->code : NB_OK; }
const char* nb_status_message(const nb_status* s) { return s ? s->message.c_str() : ""; }
void nb_status_free(nb_status* s) {
  if (s != &g_oom) delete s;
}

nb_status* nb_tensor_empty(int32_t dtype, const int64_t* shape, int32_t ndim, nb_tensor** out) {
  return guard("nb_tensor_empty", [&] {
    check_out(out, "empty");
    *out = give(empty(to_dims(shape, ndim, "empty"), dtype_from_code(dtype)));
  });
}

nb_status* nb_tensor_full(int32_t dtype, const int64_t* shape, int32_t ndim, double value, nb_tensor** out) {
  return guard("nb_tensor_full", [&] {
    check_out(out, "full");
    *out = give(full(to_dims(shape, ndim, "full"), dtype_from_code(dtype), value));
  });
}

nb_status* nb_tensor_arange(int32_t dtype, double start, double end, double step, nb_tensor** out) {
  return guard("nb_tensor_arange", [&] {
    check_out(out, "arange");
    *out = give(arange(dtype_from_code(dtype), start, end, step));
  });
}

nb_generator* nb_generator_new(int64_t seed) {
  try {
    return reinterpret_cast<nb_generator*>(new Generator(seed));
  } catch (...) {
    return nullptr;
  }
}
void nb_generator_free(nb_generator* g) { delete gen(g); }
void nb_generator_set_seed(nb_generator* g, int64_t seed) {
  if (g) gen(g)->engine.seed(static_cast<uint64_t>(seed));
}

nb_status* nb_tensor_randn(nb_generator* g, int32_t dtype, const int64_t* shape, int32_t ndim, nb_tensor** out) {
  return guard("nb_tensor_randn", [&] {
    check_out(out, "randn");
    if (!g) fail_arg("randn: generator is NULL");
    *out = give(randn(*gen(g), to_dims(shape, ndim, "randn"), dtype_from_code(dtype)));
  });
}

nb_status* nb_tensor_rand(nb_generator* g, int32_t dtype, const int64_t* shape, int32_t ndim, nb_tensor** out) {
  return guard("nb_tensor_rand", [&] {
    check_out(out, "rand");
    if (!g) fail_arg("rand: generator is NULL");
    *out = give(rand(*gen(g), to_dims(shape, ndim, "rand"), dtype_from_code(dtype)));
  });
}

void nb_tensor_free(nb_tensor* t) {
  if (t) impl(t)->release();
}
nb_tensor* nb_tensor_retain(nb_tensor* t) {
  if (t) impl(t)->retain();
  return t;
}
int32_t nb_tensor_dtype(const nb_tensor* t) { return t ? static_cast<int32_t>(impl(t)->dtype) : -1; }
int32_t nb_tensor_ndim(const nb_tensor* t) { return t ? static_cast<int32_t>(impl(t)->ndim()) : -1; }
int32_t nb_tensor_shape(const nb_tensor* t, int64_t* out, int32_t cap) {
  if (!t) return -1;
  const Dims& s = impl(t)->shape;
  for (int32_t i = 0; out && i < cap && i < static_cast<int32_t>(s.size()); ++i) out[i] = s[i];
  return static_cast<int32_t>(s.size());
}
int32_t nb_tensor_strides(const nb_tensor* t, int64_t* out, int32_t cap) {
  if (!t) return -1;
  const Dims& s = impl(t)->strides;
  for (int32_t i = 0; out && i < cap && i < static_cast<int32_t>(s.size()); ++i) out[i] = s[i];
  return static_cast<int32_t>(s.size());
}
int64_t nb_tensor_numel(const nb_tensor* t) { return t ? impl(t)->numel() : -1; }
int32_t nb_tensor_is_contiguous(const nb_tensor* t) { return t && impl(t)->is_contiguous(); }
// Neither may throw (no status to carry it): a failed computation of a deferred result (only the
// internal consistency check of ops/fuse.cpp can fail) answers 0.
intptr_t nb_tensor_data(const nb_tensor* t) {
  if (!t) return 0;
  try {
    export_storage(*impl(t));
    return reinterpret_cast<intptr_t>(impl(t)->raw_data_ptr());
  } catch (...) {
    return 0;
  }
}
intptr_t nb_tensor_data_now(const nb_tensor* t) {
  if (!t) return 0;
  try {
    impl(t)->prepare_write();  // the caller may write right away
    return reinterpret_cast<intptr_t>(impl(t)->data_ptr());
  } catch (...) {
    return 0;
  }
}
int64_t nb_tensor_version(const nb_tensor* t) { return t ? impl(t)->version() : -1; }

nb_status* nb_tensor_item(const nb_tensor* t, double* out) {
  return guard("nb_tensor_item", [&] {
    check_out(out, "item");
    Tensor a = arg(t, "item", "t");
    if (a->numel() != 1)
      fail_arg("item: a Tensor with " + std::to_string(a->numel()) +
               " elements cannot be converted to Scalar (shape " + shape_of(a) + ")");
    NB_DISPATCH_ALL(a->dtype, "item", [&] { *out = static_cast<double>(*a->data<scalar_t>()); });
  });
}

int32_t nb_tensor_requires_grad(const nb_tensor* t) { return t && impl(t)->requires_grad(); }

nb_status* nb_tensor_set_requires_grad(nb_tensor* t, int32_t requires_grad) {
  return guard("nb_tensor_set_requires_grad", [&] {
    Tensor a = arg(t, "requires_grad_", "t");
    if (!a->is_leaf()) {
      if (!requires_grad)
        fail_state(
            "requires_grad_: you can only change requires_grad flags of leaf variables. If you want "
            "to use a computed variable in a subgraph that doesn't require differentiation use "
            "detach().");
      return;
    }
    if (requires_grad && !is_floating(a->dtype))
      fail_arg("requires_grad_: only Tensors of floating point dtype can require gradients (got " +
               std::string(dtype_name(a->dtype)) + ")");
    a->requires_grad_ = requires_grad != 0;
  });
}

int32_t nb_tensor_is_leaf(const nb_tensor* t) { return t && impl(t)->is_leaf(); }

const char* nb_tensor_grad_fn_name(const nb_tensor* t) {
  return t && impl(t)->grad_fn ? impl(t)->grad_fn->name() : nullptr;
}

nb_tensor* nb_tensor_grad(const nb_tensor* t) {
  if (!t || !impl(t)->grad) return nullptr;
  return give(impl(t)->grad);
}

intptr_t nb_tensor_grad_id(const nb_tensor* t) {
  return t ? reinterpret_cast<intptr_t>(impl(t)->grad.get()) : 0;
}

nb_status* nb_tensor_set_grad(nb_tensor* t, nb_tensor* grad) {
  return guard("nb_tensor_set_grad", [&] {
    Tensor a = arg(t, "set_grad", "t");
    if (!grad) {
      a->grad = nullptr;
      return;
    }
    Tensor g = Tensor::borrow(impl(grad));
    if (g->shape != a->shape)
      fail_shape("set_grad: assigned grad has shape " + shape_of(g) + " but the tensor has shape " + shape_of(a));
    if (g->dtype != a->dtype)
      fail_arg("set_grad: assigned grad has dtype " + std::string(dtype_name(g->dtype)) +
               " but the tensor has dtype " + dtype_name(a->dtype));
    a->grad = g;
  });
}

nb_status* nb_tensor_retain_grad(nb_tensor* t) {
  return guard("nb_tensor_retain_grad", [&] {
    Tensor a = arg(t, "retain_grad", "t");
    if (!a->requires_grad()) fail_state("retain_grad: can't retain_grad on Tensor that has requires_grad=False");
    if (a->is_leaf() || a->retains_grad) return;
    a->retains_grad = true;
    a->grad_fn->retainers.emplace_back(a->output_nr, a.get());
  });
}

nb_status* nb_tensor_backward(int32_t flags, nb_tensor* t, const nb_tensor* gradient, int32_t retain_graph,
                              int32_t create_graph) {
  return guard("nb_tensor_backward", [&] {
    Tensor root = arg(t, "backward", "t");
    if (!root->requires_grad())
      fail_state("backward: element 0 of tensors does not require grad and does not have a grad_fn");
    Tensor g;
    if (!gradient) {
      if (root->numel() != 1)
        fail_arg("backward: grad can be implicitly created only for scalar outputs (the tensor has shape " +
                 shape_of(root) + "; pass a gradient of that shape)");
      g = full(root->shape, root->dtype, 1.0);
    } else {
      g = Tensor::borrow(impl(gradient));
      if (g->shape != root->shape)
        fail_shape("backward: Mismatch in shape: gradient has a shape of " + shape_of(g) +
                   " and the output has a shape of " + shape_of(root));
      if (g->dtype != root->dtype) g = to_dtype(g, root->dtype, Ctx{});
    }
    BackwardOptions o;
    o.retain_graph = retain_graph != 0 || create_graph != 0;
    o.create_graph = create_graph != 0;
    o.anomaly = (flags & NB_ANOMALY) != 0;
    run_backward({root}, {g}, o);
  });
}

nb_status* nb_tensor_detach(const nb_tensor* t, nb_tensor** out) {
  return guard("nb_tensor_detach", [&] {
    check_out(out, "detach");
    *out = give(detach(arg(t, "detach", "t")));
  });
}

#define NB_BINARY(cname, fn, opname)                                                          \
  nb_status* cname(int32_t flags, const nb_tensor* a, const nb_tensor* b, nb_tensor** out) { \
    return guard(#cname, [&] {                                                                \
      check_out(out, opname);                                                                 \
      *out = give(fn(arg(a, opname, "a"), arg(b, opname, "b"), ctx_of(flags)));               \
    });                                                                                       \
  }

#define NB_SCALAR(cname, fn, opname)                                                 \
  nb_status* cname(int32_t flags, const nb_tensor* a, double s, nb_tensor** out) {  \
    return guard(#cname, [&] {                                                       \
      check_out(out, opname);                                                        \
      *out = give(fn(arg(a, opname, "a"), s, ctx_of(flags)));                        \
    });                                                                              \
  }

#define NB_UNARY(cname, fn, opname)                                     \
  nb_status* cname(int32_t flags, const nb_tensor* a, nb_tensor** out) { \
    return guard(#cname, [&] {                                          \
      check_out(out, opname);                                           \
      *out = give(fn(arg(a, opname, "a"), ctx_of(flags)));              \
    });                                                                 \
  }

#define NB_DIMS(cname, fn, opname)                                                                \
  nb_status* cname(int32_t flags, const nb_tensor* a, const int64_t* dims, int32_t ndims,         \
                   int32_t keep_dim, nb_tensor** out) {                                           \
    return guard(#cname, [&] {                                                                    \
      check_out(out, opname);                                                                     \
      *out = give(fn(arg(a, opname, "a"), to_dims(dims, ndims, opname), keep_dim != 0, ctx_of(flags))); \
    });                                                                                           \
  }

#define NB_SHAPE(cname, fn, opname)                                                                  \
  nb_status* cname(int32_t flags, const nb_tensor* a, const int64_t* shape, int32_t ndim, nb_tensor** out) { \
    return guard(#cname, [&] {                                                                       \
      check_out(out, opname);                                                                        \
      *out = give(fn(arg(a, opname, "a"), to_dims(shape, ndim, opname), ctx_of(flags)));             \
    });                                                                                              \
  }

NB_BINARY(nb_tensor_add, add, "add")
NB_BINARY(nb_tensor_sub, sub, "sub")
NB_BINARY(nb_tensor_mul, mul, "mul")
NB_BINARY(nb_tensor_div, div, "div")
NB_BINARY(nb_tensor_matmul, matmul, "matmul")
NB_SCALAR(nb_tensor_add_scalar, add_scalar, "add")
NB_SCALAR(nb_tensor_sub_scalar, sub_scalar, "sub")
NB_SCALAR(nb_tensor_mul_scalar, mul_scalar, "mul")
NB_SCALAR(nb_tensor_div_scalar, div_scalar, "div")
NB_SCALAR(nb_tensor_rsub_scalar, rsub_scalar, "rsub")
NB_SCALAR(nb_tensor_rdiv_scalar, rdiv_scalar, "div")
NB_SCALAR(nb_tensor_pow_scalar, pow_scalar, "pow")
NB_UNARY(nb_tensor_neg, neg, "neg")
NB_UNARY(nb_tensor_sum, sum, "sum")
NB_UNARY(nb_tensor_mean, mean, "mean")
NB_UNARY(nb_tensor_contiguous, contiguous, "contiguous")
NB_UNARY(nb_tensor_clone, clone, "clone")
NB_DIMS(nb_tensor_sum_dims, sum_dims, "sum")
NB_DIMS(nb_tensor_mean_dims, mean_dims, "mean")
NB_SHAPE(nb_tensor_reshape, reshape, "reshape")
NB_SHAPE(nb_tensor_view, view, "view")
NB_SHAPE(nb_tensor_expand, expand, "expand")

nb_status* nb_tensor_transpose(int32_t flags, const nb_tensor* a, int64_t d0, int64_t d1, nb_tensor** out) {
  return guard("nb_tensor_transpose", [&] {
    check_out(out, "transpose");
    *out = give(transpose(arg(a, "transpose", "a"), d0, d1, ctx_of(flags)));
  });
}

nb_status* nb_tensor_to_dtype(int32_t flags, const nb_tensor* a, int32_t dtype, nb_tensor** out) {
  return guard("nb_tensor_to_dtype", [&] {
    check_out(out, "to");
    *out = give(to_dtype(arg(a, "to", "a"), dtype_from_code(dtype), ctx_of(flags)));
  });
}

nb_status* nb_tensor_add_(int32_t flags, nb_tensor* a, const nb_tensor* b) {
  return guard("nb_tensor_add_", [&] { add_(arg(a, "add_", "a"), arg(b, "add_", "b"), 1.0, ctx_of(flags)); });
}
nb_status* nb_tensor_sub_(int32_t flags, nb_tensor* a, const nb_tensor* b) {
  return guard("nb_tensor_sub_", [&] { sub_(arg(a, "sub_", "a"), arg(b, "sub_", "b"), ctx_of(flags)); });
}
nb_status* nb_tensor_mul_(int32_t flags, nb_tensor* a, const nb_tensor* b) {
  return guard("nb_tensor_mul_", [&] { mul_(arg(a, "mul_", "a"), arg(b, "mul_", "b"), ctx_of(flags)); });
}
nb_status* nb_tensor_add_scalar_(int32_t flags, nb_tensor* a, double s) {
  return guard("nb_tensor_add_scalar_", [&] { add_scalar_(arg(a, "add_", "a"), s, ctx_of(flags)); });
}
nb_status* nb_tensor_mul_scalar_(int32_t flags, nb_tensor* a, double s) {
  return guard("nb_tensor_mul_scalar_", [&] { mul_scalar_(arg(a, "mul_", "a"), s, ctx_of(flags)); });
}
nb_status* nb_tensor_add_scaled_(int32_t flags, nb_tensor* a, const nb_tensor* b, double alpha) {
  return guard("nb_tensor_add_scaled_", [&] { add_(arg(a, "add_", "a"), arg(b, "add_", "b"), alpha, ctx_of(flags)); });
}
nb_status* nb_tensor_fill_(int32_t flags, nb_tensor* a, double value) {
  return guard("nb_tensor_fill_", [&] { fill_(arg(a, "fill_", "a"), value, ctx_of(flags)); });
}
nb_status* nb_tensor_copy_(int32_t flags, nb_tensor* a, const nb_tensor* src) {
  return guard("nb_tensor_copy_", [&] { copy_(arg(a, "copy_", "a"), arg(src, "copy_", "src"), ctx_of(flags)); });
}

}  // extern "C"
