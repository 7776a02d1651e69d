// The C ABI of the runtime settings: thread count and the storage cache.
#include <string>

#include "capi/status.h"
#include "kernels/parallel.h"
#include "nabla.h"

using namespace nabla;
using namespace nabla::capi;

extern "C" {

nb_status* nb_set_num_threads(int32_t n) {
  return guard("nb_set_num_threads", [&] {
    // torch.set_num_threads words it so too
    if (n < 1) fail_arg("set_num_threads: Number of threads must be positive, got " + std::to_string(n));
    set_num_threads(n);
  });
}

int32_t nb_get_num_threads(void) { return num_threads(); }

void nb_empty_cache(void) { empty_storage_cache(); }

int64_t nb_cached_bytes(void) { return cached_storage_bytes(); }

}  // extern "C"
