// The C ABI of the op registry. Like capi.cpp: check, call, turn exceptions into a status.
#include <string>

#include "capi/status.h"
#include "nabla.h"
#include "ops/registry.h"

using namespace nabla;

extern "C" {

int32_t nb_op_count(void) { return static_cast<int32_t>(op_registry().size()); }

const char* nb_op_name(int32_t id) {
  return id >= 0 && id < nb_op_count() ? op_registry()[id].name : nullptr;
}

int32_t nb_op_find(const char* name) { return name ? find_op(name) : -1; }

int32_t nb_op_num_inputs(int32_t id) { return id >= 0 && id < nb_op_count() ? op_registry()[id].n_in : 0; }
int32_t nb_op_num_outputs(int32_t id) { return id >= 0 && id < nb_op_count() ? op_registry()[id].n_out : 0; }
int32_t nb_op_is_differentiable(int32_t id) {
  return id >= 0 && id < nb_op_count() && op_registry()[id].differentiable;
}

nb_status* nb_op_call(int32_t flags, int32_t id, const nb_tensor* const* inputs, int32_t n_inputs,
                      const double* fargs, int32_t n_fargs, const int64_t* iargs, int32_t n_iargs,
                      nb_tensor** outs, int32_t cap_outs, int32_t* n_outs) {
  return capi::guard("nb_op_call", [&] {
    if (id < 0 || id >= nb_op_count()) fail_arg("nb_op_call: no op with id " + std::to_string(id));
    const OpDef& def = op_registry()[id];
    if (n_inputs < 0 || n_fargs < 0 || n_iargs < 0 || cap_outs < 0)
      fail_arg(std::string(def.name) + ": negative argument count");
    if ((n_inputs && !inputs) || (n_fargs && !fargs) || (n_iargs && !iargs) || !outs || !n_outs)
      fail_arg(std::string(def.name) + ": NULL argument array");
    if (def.n_in >= 0 && n_inputs != def.n_in)
      fail_arg(std::string(def.name) + ": expected " + std::to_string(def.n_in) + " tensors, got " +
               std::to_string(n_inputs));
    std::vector<Tensor> in;
    in.reserve(static_cast<size_t>(n_inputs));
    for (int32_t k = 0; k < n_inputs; ++k) in.push_back(capi::arg(inputs[k], def.name, "input"));
    OpArgs args{def.name, in.data(), n_inputs, fargs, n_fargs, iargs, n_iargs};
    std::vector<Tensor> out(def.n_out >= 0 ? static_cast<size_t>(def.n_out) : 0);
    def.fn(Ctx{(flags & NB_GRAD) != 0}, args, out);
    int32_t produced = static_cast<int32_t>(out.size());
    for (const Tensor& t : out)
      if (!t) fail_arg(std::string(def.name) + ": internal error: an output was not produced");
    if (produced > cap_outs)
      fail_arg(std::string(def.name) + ": the op returns " + std::to_string(produced) +
               " tensors but room for only " + std::to_string(cap_outs) + " was given");
    for (int32_t k = 0; k < produced; ++k) outs[k] = capi::give(std::move(out[k]));
    *n_outs = produced;
  });
}

}  // extern "C"
