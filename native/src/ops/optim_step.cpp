#include "ops/optim_step.h"

#include "kernels/copy.h"

namespace nabla {

void check_step_tensors(const OpArgs& a, const std::vector<std::string>& names) {
  const Tensor& p = a.tensor(0);
  if (p->dtype != DType::F32 && p->dtype != DType::F64)
    fail_arg(std::string(a.op) + ": parameters must be float32 or float64, got " + dtype_name(p->dtype));
  for (int k = 1; k < a.n_in; ++k) {
    const Tensor& t = a.tensor(k);
    const std::string& what = names[static_cast<size_t>(k)];
    if (t->dtype != p->dtype)
      fail_arg(std::string(a.op) + ": " + what + " has dtype " + dtype_name(t->dtype) + " but the parameter has " +
               dtype_name(p->dtype));
    if (t->shape != p->shape)
      fail_shape(std::string(a.op) + ": " + what + " has shape " + shape_of(t) + " but the parameter has shape " +
                 shape_of(p));
  }
}

void run_step(const OpArgs& a, const std::function<void(const std::vector<Tensor>&)>& kernel) {
  bool direct = true;
  for (int k = 0; k < a.n_in; ++k) {
    direct = direct && a.tensor(k)->is_contiguous();
    for (int j = 0; j < k; ++j) direct = direct && a.tensor(k)->storage != a.tensor(j)->storage;
  }
  for (int k = 0; k < a.n_in; ++k)
    if (k != 1) a.tensor(k)->prepare_write();
  std::vector<Tensor> work;
  for (int k = 0; k < a.n_in; ++k) work.push_back(direct ? a.tensor(k) : clone(a.tensor(k), Ctx{}));  // a clone is contiguous
  kernel(work);
  for (int k = 0; k < a.n_in; ++k) {
    if (k == 1) continue;  // the gradient is only read
    if (!direct) copy_into(*a.tensor(k), *work[k]);
    a.tensor(k)->bump_version();
  }
}

}  // namespace nabla
