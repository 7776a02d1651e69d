/*
 * nabla.h: the C ABI of Nabla, reverse-mode automatic differentiation.
 *
 * Worked example: y = a*x^2 + b, then dy/dx = 2*a*x.
 *
 *   int64_t shape[1] = {1};
 *   nb_tensor *x, *x2, *ax2, *y;
 *   nb_tensor_full(NB_DTYPE_F32, shape, 1, 3.0, &x);        // x = 3
 *   nb_tensor_set_requires_grad(x, 1);                       // a leaf that wants .grad
 *   nb_tensor_pow_scalar(NB_GRAD, x, 2.0, &x2);              // records PowBackward0
 *   nb_tensor_mul_scalar(NB_GRAD, x2, 2.0, &ax2);            // a = 2
 *   nb_tensor_add_scalar(NB_GRAD, ax2, 1.0, &y);             // b = 1, y = 19
 *   nb_tensor_backward(NB_GRAD, y, NULL, 0, 0);              // NULL gradient: y is a scalar
 *   nb_tensor *g = nb_tensor_grad(x);                        // 2*a*x = 12
 *   double v; nb_tensor_item(g, &v);
 *   nb_tensor_free(g); nb_tensor_free(y); nb_tensor_free(ax2);
 *   nb_tensor_free(x2); nb_tensor_free(x);
 *
 * Every call that can fail returns an nb_status*: NULL means success, anything else carries a code
 * and a message naming the op and the shapes, and must be freed with nb_status_free. Outputs go
 * through out-parameters, written only on success. No C++ exception crosses this header.
 *
 * Every nb_tensor* is one counted reference. A function that returns or outputs one hands the
 * caller a new reference, freed with nb_tensor_free; inputs are borrowed for the call only.
 *
 * Grad mode is not hidden state: each op takes `flags`, and records the graph only with NB_GRAD.
 */
#ifndef NABLA_H
#define NABLA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NB_ABI_VERSION 6

#if defined(_WIN32)
#define NB_API __declspec(dllexport)
#else
#define NB_API __attribute__((visibility("default")))
#endif

/* The JavaCPP preset maps these handles to Java longs and so hides the declarations. */
#if !defined(NB_HANDLES_AS_ADDRESSES)
typedef struct nb_tensor nb_tensor;       /* opaque, reference counted */
typedef struct nb_status nb_status;       /* opaque; NULL means success */
typedef struct nb_generator nb_generator; /* opaque random generator, not thread-safe */
#endif

/* Element types. Only F32 and F64 take part in autograd. */
#define NB_DTYPE_F32 0
#define NB_DTYPE_F64 1
#define NB_DTYPE_I64 2
#define NB_DTYPE_BOOL 3

/* Status codes. */
#define NB_OK 0
#define NB_ERR_SHAPE 1    /* shapes do not broadcast or do not fit the op */
#define NB_ERR_ARGUMENT 2 /* a bad argument: a dim out of range, a wrong dtype, ... */
#define NB_ERR_STATE 3    /* autograd state: backward twice, a modified saved tensor, ... */
#define NB_ERR_MEMORY 4   /* allocation failed */
#define NB_ERR_INTERNAL 5 /* a bug in Nabla */
#define NB_ERR_CALLBACK 6 /* a callback (a Java hook or Function) failed; its caller holds the error */

/* Call flags. */
#define NB_GRAD 1    /* grad mode is on: ops whose inputs require grad record a graph node */
#define NB_ANOMALY 2 /* anomaly mode: backward checks every node's gradients for nan/inf */

/* ---- library ---- */

/* The ABI version this library was built with; the loader refuses a mismatch. */
NB_API int32_t nb_abi_version(void);
/* Number of live native tensors (all references dropped = 0); for leak tests. */
NB_API int64_t nb_live_tensors(void);
/* Number of deferred elementwise results not computed yet (large tensors only, see
 * nb_tensor_data); for tests. */
NB_API int64_t nb_deferred_tensors(void);

/* ---- status ---- */

NB_API int32_t nb_status_code(const nb_status *s);
/* Borrowed: valid until nb_status_free(s). */
NB_API const char *nb_status_message(const nb_status *s);
/* NULL is a no-op. */
NB_API void nb_status_free(nb_status *s);

/* ---- creation: each outputs a new tensor the caller frees ---- */

/* Uninitialized contents. shape is borrowed; ndim may be 0 (a scalar). */
NB_API nb_status *nb_tensor_empty(int32_t dtype, const int64_t *shape, int32_t ndim,
                                  nb_tensor **out);
NB_API nb_status *nb_tensor_full(int32_t dtype, const int64_t *shape, int32_t ndim, double value,
                                 nb_tensor **out);
/* start, start+step, ... below end (above end for a negative step). */
NB_API nb_status *nb_tensor_arange(int32_t dtype, double start, double end, double step,
                                   nb_tensor **out);

/* ---- random generators ---- */

/* A new generator; the caller frees it with nb_generator_free. */
NB_API nb_generator *nb_generator_new(int64_t seed);
/* NULL is a no-op. */
NB_API void nb_generator_free(nb_generator *g);
NB_API void nb_generator_set_seed(nb_generator *g, int64_t seed);
/* Standard normal samples; g is borrowed and advanced. */
NB_API nb_status *nb_tensor_randn(nb_generator *g, int32_t dtype, const int64_t *shape,
                                  int32_t ndim, nb_tensor **out);
/* Uniform samples in [0, 1). */
NB_API nb_status *nb_tensor_rand(nb_generator *g, int32_t dtype, const int64_t *shape,
                                 int32_t ndim, nb_tensor **out);
/* Inverted dropout (torch.nn.functional.dropout): zeroes each element of a with probability p
 * and scales the rest by 1 / (1 - p); with training == 0 or p == 0, *out is a new reference to a
 * itself. g and a are borrowed, g is advanced; *out is a new tensor the caller frees. */
NB_API nb_status *nb_tensor_dropout(int32_t flags, nb_generator *g, const nb_tensor *a, double p,
                                    int32_t training, nb_tensor **out);

/* ---- lifetime and queries ---- */

/* Drops one reference. NULL is a no-op. */
NB_API void nb_tensor_free(nb_tensor *t);
/* A new reference to the same tensor; the caller frees it. */
NB_API nb_tensor *nb_tensor_retain(nb_tensor *t);
NB_API int32_t nb_tensor_dtype(const nb_tensor *t);
NB_API int32_t nb_tensor_ndim(const nb_tensor *t);
/* Copies min(ndim, cap) sizes into out; returns ndim. */
NB_API int32_t nb_tensor_shape(const nb_tensor *t, int64_t *out, int32_t cap);
/* Copies min(ndim, cap) strides (in elements) into out; returns ndim. */
NB_API int32_t nb_tensor_strides(const nb_tensor *t, int64_t *out, int32_t cap);
NB_API int64_t nb_tensor_numel(const nb_tensor *t);
NB_API int32_t nb_tensor_is_contiguous(const nb_tensor *t);
/* Address of the first element, to read or write at any time. Borrowed: valid while t (or a view of
 * its storage) lives. A deferred result is computed first, and the memory is marked as written from
 * outside: from then on no op defers its reading of it. */
NB_API intptr_t nb_tensor_data(const nb_tensor *t);
/* As nb_tensor_data, for an access that ends before the next call into this library (copying values
 * in or out; deferred results that read t are computed first): the memory is not marked, so later
 * ops on t may still be deferred. */
NB_API intptr_t nb_tensor_data_now(const nb_tensor *t);
/* The version counter of t's storage; in-place ops bump it. */
NB_API int64_t nb_tensor_version(const nb_tensor *t);
/* The value of a one-element tensor, as a double. */
NB_API nb_status *nb_tensor_item(const nb_tensor *t, double *out);

/* ---- autograd state ---- */

NB_API int32_t nb_tensor_requires_grad(const nb_tensor *t);
/* Like requires_grad_(): fails for a non-leaf being switched off, or for a non-float dtype. */
NB_API nb_status *nb_tensor_set_requires_grad(nb_tensor *t, int32_t requires_grad);
NB_API int32_t nb_tensor_is_leaf(const nb_tensor *t);
/* The grad_fn's name, e.g. "AddBackward0", or NULL for a leaf. Static storage. */
NB_API const char *nb_tensor_grad_fn_name(const nb_tensor *t);
/* A new reference to t's .grad, or NULL when it has none. */
NB_API nb_tensor *nb_tensor_grad(const nb_tensor *t);
/* The address of t's .grad without a new reference (NULL when none): an identity to compare. */
NB_API intptr_t nb_tensor_grad_id(const nb_tensor *t);
/* Replaces t's .grad; grad is borrowed (t takes its own reference), NULL clears it. */
NB_API nb_status *nb_tensor_set_grad(nb_tensor *t, nb_tensor *grad);
/* Like retain_grad(): a non-leaf keeps its .grad after backward. */
NB_API nb_status *nb_tensor_retain_grad(nb_tensor *t);
/* Like backward(gradient, retain_graph, create_graph). gradient may be NULL for a scalar t. */
NB_API nb_status *nb_tensor_backward(int32_t flags, nb_tensor *t, const nb_tensor *gradient,
                                     int32_t retain_graph, int32_t create_graph);
/* Like detach(): shares storage, no grad_fn, does not require grad. */
NB_API nb_status *nb_tensor_detach(const nb_tensor *t, nb_tensor **out);

/* ---- autograd: functional gradients, hooks, custom functions, anomaly mode ---- */

/* Like detach_(): cuts t from the graph in place (no grad_fn, requires_grad off); fails for a view. */
NB_API nb_status *nb_tensor_detach_(nb_tensor *t);
/* An identity of t's grad_fn node, unique in the process; 0 for a leaf. */
NB_API int64_t nb_tensor_grad_fn_id(const nb_tensor *t);
/* Like torch.autograd.backward(tensors, grad_tensors): several roots in one sweep. tensors and
 * grads are borrowed arrays of n; a NULL grad means ones for a one-element root. flags: NB_ANOMALY. */
NB_API nb_status *nb_autograd_backward(int32_t flags, const nb_tensor *const *tensors,
                                       const nb_tensor *const *grads, int32_t n,
                                       int32_t retain_graph, int32_t create_graph);
/* Like torch.autograd.grad: writes into grads_out[0..n_inputs) a new reference to the gradient of
 * the outputs w.r.t. each input (the caller frees each; NULL for an unused input when allow_unused).
 * Touches no .grad and runs only the nodes that lead to an input. All arrays are borrowed. */
NB_API nb_status *nb_autograd_grad(int32_t flags, const nb_tensor *const *outputs,
                                   const nb_tensor *const *grad_outputs, int32_t n_outputs,
                                   const nb_tensor *const *inputs, int32_t n_inputs,
                                   int32_t retain_graph, int32_t create_graph,
                                   int32_t allow_unused, nb_tensor **grads_out);

/* Callbacks. One function, set once, receives every call into the embedding language:
 *   int32_t fn(int32_t kind, int64_t id, int32_t flags, nb_tensor *const *in, int32_t n_in,
 *              nb_tensor **out, int32_t n_out);
 * in: borrowed tensors; out: the callback writes a new reference (which Nabla takes) or NULL into
 * each of out[0..n_out). flags: the grad mode to run under. Returns 0, or nonzero when it failed,
 * which fails the Nabla call in progress with NB_ERR_CALLBACK (the callback keeps its own error). */
#define NB_CB_TENSOR_HOOK 1       /* in: the gradient; out[0]: a replacement or NULL */
#define NB_CB_POST_ACCUMULATE 2   /* in: the leaf, its .grad just accumulated */
#define NB_CB_FUNCTION_BACKWARD 3 /* in: one gradient per output (then, see nb_function_record, maybe
                                     the outputs with history); out: one per input (or NULL) */
#define NB_CB_FREE_SAVED 4        /* a function's saved tensors may go (no retain_graph) */
#define NB_CB_RELEASE 5           /* the hook or function with this id will not be called again */
/* Sets the callback (an address of the function above); 0 unsets it. */
NB_API void nb_set_callback(intptr_t fn);
/* Like register_hook: the callback gets (NB_CB_TENSOR_HOOK, id) with each gradient w.r.t. t. */
NB_API nb_status *nb_tensor_register_hook(nb_tensor *t, int64_t id);
/* Like register_post_accumulate_grad_hook, for a leaf: (NB_CB_POST_ACCUMULATE, id, t). */
NB_API nb_status *nb_tensor_register_post_accumulate_grad_hook(nb_tensor *t, int64_t id);
/* Records a custom function (torch.autograd.Function): outputs[0..n_outputs) were computed from
 * inputs[0..n_inputs) without a graph. With NB_GRAD and an input requiring grad, writes to
 * new_outputs aliases of the outputs whose grad_fn is a node named `name` (copied) that calls
 * (NB_CB_FUNCTION_BACKWARD, id); otherwise new references to the outputs. has_saved: nonzero when
 * the function saved tensors, so a second backward without retain_graph fails; with bit 2 set
 * (has_saved & 2) some of them are its outputs, and then under NB_GRAD the backward callback gets
 * n_outputs more `in` tensors after the gradients: the outputs with their history (grad_fn this
 * node), to use in place of the saved outputs so that higher-order gradients see them. Every array
 * is borrowed; the caller frees each new output. The callback gets (NB_CB_RELEASE, id) when the node dies, also
 * when nothing was recorded. */
NB_API nb_status *nb_function_record(int32_t flags, int64_t id, const char *name,
                                     const nb_tensor *const *inputs, int32_t n_inputs,
                                     const nb_tensor *const *outputs, int32_t n_outputs,
                                     int32_t has_saved, nb_tensor **new_outputs);
/* Anomaly mode: attaches trace (copied) to t's grad_fn, shown when that node's backward returns
 * nan or inf. Does nothing for a leaf or a node that has a trace already. */
NB_API nb_status *nb_tensor_set_anomaly_trace(nb_tensor *t, const char *trace);

/* ---- ops: each outputs a new tensor the caller frees; inputs are borrowed ---- */

NB_API nb_status *nb_tensor_add(int32_t flags, const nb_tensor *a, const nb_tensor *b,
                                nb_tensor **out);
NB_API nb_status *nb_tensor_sub(int32_t flags, const nb_tensor *a, const nb_tensor *b,
                                nb_tensor **out);
NB_API nb_status *nb_tensor_mul(int32_t flags, const nb_tensor *a, const nb_tensor *b,
                                nb_tensor **out);
NB_API nb_status *nb_tensor_div(int32_t flags, const nb_tensor *a, const nb_tensor *b,
                                nb_tensor **out);
/* a + s */
NB_API nb_status *nb_tensor_add_scalar(int32_t flags, const nb_tensor *a, double s,
                                       nb_tensor **out);
/* a - s */
NB_API nb_status *nb_tensor_sub_scalar(int32_t flags, const nb_tensor *a, double s,
                                       nb_tensor **out);
/* a / s */
NB_API nb_status *nb_tensor_div_scalar(int32_t flags, const nb_tensor *a, double s,
                                       nb_tensor **out);
/* a * s */
NB_API nb_status *nb_tensor_mul_scalar(int32_t flags, const nb_tensor *a, double s,
                                       nb_tensor **out);
/* s - a */
NB_API nb_status *nb_tensor_rsub_scalar(int32_t flags, const nb_tensor *a, double s,
                                        nb_tensor **out);
/* s / a */
NB_API nb_status *nb_tensor_rdiv_scalar(int32_t flags, const nb_tensor *a, double s,
                                        nb_tensor **out);
NB_API nb_status *nb_tensor_neg(int32_t flags, const nb_tensor *a, nb_tensor **out);
/* a ^ exponent */
NB_API nb_status *nb_tensor_pow_scalar(int32_t flags, const nb_tensor *a, double exponent,
                                       nb_tensor **out);
/* Sum of all elements, a scalar tensor. */
NB_API nb_status *nb_tensor_sum(int32_t flags, const nb_tensor *a, nb_tensor **out);
/* Sum over dims (borrowed, may be negative); keep_dim keeps them as size 1. */
NB_API nb_status *nb_tensor_sum_dims(int32_t flags, const nb_tensor *a, const int64_t *dims,
                                     int32_t ndims, int32_t keep_dim, nb_tensor **out);
NB_API nb_status *nb_tensor_mean(int32_t flags, const nb_tensor *a, nb_tensor **out);
NB_API nb_status *nb_tensor_mean_dims(int32_t flags, const nb_tensor *a, const int64_t *dims,
                                      int32_t ndims, int32_t keep_dim, nb_tensor **out);
/* A view when the strides allow, else a copy; one size may be -1. */
NB_API nb_status *nb_tensor_reshape(int32_t flags, const nb_tensor *a, const int64_t *shape,
                                    int32_t ndim, nb_tensor **out);
/* Like view(): always a view; fails when the strides do not allow one. */
NB_API nb_status *nb_tensor_view(int32_t flags, const nb_tensor *a, const int64_t *shape,
                                 int32_t ndim, nb_tensor **out);
/* A view with dims d0 and d1 swapped. */
NB_API nb_status *nb_tensor_transpose(int32_t flags, const nb_tensor *a, int64_t d0, int64_t d1,
                                      nb_tensor **out);
/* A view broadcasting size-1 dims to shape; -1 keeps a size. */
NB_API nb_status *nb_tensor_expand(int32_t flags, const nb_tensor *a, const int64_t *shape,
                                   int32_t ndim, nb_tensor **out);
/* A row-major copy, or a new reference to a when it already is one. */
NB_API nb_status *nb_tensor_contiguous(int32_t flags, const nb_tensor *a, nb_tensor **out);
/* A copy with its own storage (CloneBackward0). */
NB_API nb_status *nb_tensor_clone(int32_t flags, const nb_tensor *a, nb_tensor **out);
/* Converts to another dtype (ToCopyBackward0 between float dtypes). */
NB_API nb_status *nb_tensor_to_dtype(int32_t flags, const nb_tensor *a, int32_t dtype,
                                     nb_tensor **out);
/* 2-D @ 2-D (GEMM), plus 1-D operands as in torch.matmul. */
NB_API nb_status *nb_tensor_matmul(int32_t flags, const nb_tensor *a, const nb_tensor *b,
                                   nb_tensor **out);

/* ---- in-place ops: change a's values and bump its version ---- */

/* Fail, as PyTorch does, for a leaf that requires grad while NB_GRAD is set. */
NB_API nb_status *nb_tensor_add_(int32_t flags, nb_tensor *a, const nb_tensor *b);
NB_API nb_status *nb_tensor_sub_(int32_t flags, nb_tensor *a, const nb_tensor *b);
NB_API nb_status *nb_tensor_mul_(int32_t flags, nb_tensor *a, const nb_tensor *b);
NB_API nb_status *nb_tensor_add_scalar_(int32_t flags, nb_tensor *a, double s);
NB_API nb_status *nb_tensor_mul_scalar_(int32_t flags, nb_tensor *a, double s);
/* a += alpha * b, the update step without a temporary. */
NB_API nb_status *nb_tensor_add_scaled_(int32_t flags, nb_tensor *a, const nb_tensor *b,
                                        double alpha);
NB_API nb_status *nb_tensor_fill_(int32_t flags, nb_tensor *a, double value);
/* Copies src into a, broadcasting and converting dtype. */
NB_API nb_status *nb_tensor_copy_(int32_t flags, nb_tensor *a, const nb_tensor *src);

/* ---- threads ---- */

/* Threads used by large elementwise kernels and reductions (a pool of our own) and by OpenBLAS, like
 * torch.set_num_threads; n >= 1, else NB_ERR_ARGUMENT. The default is the number of cores this
 * process may run on. Process-wide: call it between ops, not while another thread runs one. Tensors
 * below a few tens of thousands of elements always run on the calling thread. */
NB_API nb_status *nb_set_num_threads(int32_t n);
/* The current thread count (torch.get_num_threads). */
NB_API int32_t nb_get_num_threads(void);
/* Returns the tensor buffers that the storage cache holds for reuse (freed tensors of 4 KiB and
 * more) to the system, like torch.cuda.empty_cache; live tensors are untouched. Thread-safe. */
NB_API void nb_empty_cache(void);
/* Bytes the storage cache holds now (freed buffers kept for reuse). Thread-safe. */
NB_API int64_t nb_cached_bytes(void);

/* ---- graph inspection ---- */

/* Walks the recorded graph, as torchviz does with grad_fn.next_functions. An nb_node* is one counted
 * reference to a graph node (a grad_fn such as MulBackward0, or a leaf's AccumulateGrad); it keeps the
 * node, and what the node holds, alive until nb_node_free. Nodes are read-only through this API. */
#if !defined(NB_HANDLES_AS_ADDRESSES)
typedef struct nb_node nb_node; /* opaque, reference counted */
#endif

/* A new reference to t's grad_fn, or NULL for a leaf (or NULL t); the caller frees it with nb_node_free. */
NB_API nb_node *nb_tensor_grad_fn_node(const nb_tensor *t);
/* Drops one reference. NULL is a no-op. */
NB_API void nb_node_free(nb_node *n);
/* The node's name, e.g. "MulBackward0" or "AccumulateGrad". Static storage; NULL for a NULL n. */
NB_API const char *nb_node_name(const nb_node *n);
/* A stable identity (the node's address) while any reference to it lives; 0 for NULL. */
NB_API intptr_t nb_node_id(const nb_node *n);
/* Number of edges to the nodes of the forward inputs (one per differentiable input). */
NB_API int32_t nb_node_num_next(const nb_node *n);
/* A new reference to the node edge i leads to, or NULL when no gradient flows there (an input that
 * needs none) or i is out of range. *input_nr (may be NULL) gets which gradient input of that node
 * the edge feeds. The caller frees the result with nb_node_free. */
NB_API nb_node *nb_node_next(const nb_node *n, int32_t i, int32_t *input_nr);
/* For an AccumulateGrad node: a new reference to the leaf tensor it writes .grad into, freed by the
 * caller with nb_tensor_free; NULL for any other node. */
NB_API nb_tensor *nb_node_variable(const nb_node *n);
/* Number of tensors the node saved for its backward rule (including ones already freed). */
NB_API int32_t nb_node_num_saved(const nb_node *n);
/* A new reference to saved tensor i, freed by the caller with nb_tensor_free; NULL when the graph
 * freed it after backward (retainGraph was false) or i is out of range. */
NB_API nb_tensor *nb_node_saved(const nb_node *n, int32_t i);

/* ---- the op registry: every op, by name; ops without a C function above are called here ---- */

/* Number of registered ops; ids are 0 .. count-1. */
NB_API int32_t nb_op_count(void);
/* The op's name, e.g. "exp". Static storage; NULL for a bad id. */
NB_API const char *nb_op_name(int32_t id);
/* The id of the op with this name, or -1. name is borrowed. */
NB_API int32_t nb_op_find(const char *name);
/* Tensors the op takes (-1: a list) and returns (-1: depends on the arguments). */
NB_API int32_t nb_op_num_inputs(int32_t id);
NB_API int32_t nb_op_num_outputs(int32_t id);
/* 1 when the op has a backward rule. */
NB_API int32_t nb_op_is_differentiable(int32_t id);
/* Runs op `id` on inputs[0..n_inputs) (borrowed), with number arguments fargs[0..n_fargs) and
 * integer arguments iargs[0..n_iargs) as the op documents them (ops/<family>.cpp). Writes up to
 * cap_outs new tensors into outs, each freed by the caller, and their count into *n_outs. */
NB_API nb_status *nb_op_call(int32_t flags, int32_t id, const nb_tensor *const *inputs,
                             int32_t n_inputs, const double *fargs, int32_t n_fargs,
                             const int64_t *iargs, int32_t n_iargs, nb_tensor **outs,
                             int32_t cap_outs, int32_t *n_outs);

#ifdef __cplusplus
}
#endif

#endif /* NABLA_H */
