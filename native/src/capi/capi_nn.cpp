// The C ABI of the network ops that are not registry ops (they need more than tensors and
// numbers: dropout takes a generator). Like capi.cpp: check, call, turn exceptions into a status.
#include "capi/status.h"
#include "nabla.h"
#include "ops/nn.h"
#include "ops/random.h"

using namespace nabla;
using namespace nabla::capi;

extern "C" {

nb_status* nb_tensor_dropout(int32_t flags, nb_generator* g, const nb_tensor* a, double p, int32_t training,
                             nb_tensor** out) {
  return guard("nb_tensor_dropout", [&] {
    check_out(out, "dropout");
    if (!g) fail_arg("dropout: generator is NULL");
    Tensor t = arg(a, "dropout", "input");
    *out = give(dropout(*reinterpret_cast<Generator*>(g), t, p, training != 0, Ctx{(flags & NB_GRAD) != 0}));
  });
}

}  // extern "C"
