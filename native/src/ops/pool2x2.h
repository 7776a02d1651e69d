// Row kernels of the 2x2, stride-2 max pool without padding or dilation (most CNNs' pool), used by
// max_pool2d (ops/nn.cpp) and its backward. Each picks an AVX2 or a baseline x86-64 version at run
// time. PyTorch's rules: the first maximum of a window wins ties, a NaN wins over numbers (the last
// NaN, since each NaN replaces the running maximum).
#pragma once
#include <cstdint>

namespace nabla {

// For the ow windows of input rows r0 and r1 (row `first / w` and the next, of a plane w wide):
// ov = the maximum, oi = its index in the plane.
void pool2x2_forward_row(const float* r0, const float* r1, int64_t first, int64_t w, float* ov, int64_t* oi,
                         int64_t ow);
void pool2x2_forward_row(const double* r0, const double* r1, int64_t first, int64_t w, double* ov, int64_t* oi,
                         int64_t ow);

// The gradient of one row of windows: gr[ox] goes to the input oi[ox] names, 0 to the window's other
// three inputs (rows r0 and r1 of the input gradient; `first` is r0's offset in the plane).
// Defined for float and double.
template <class T>
void pool2x2_backward_row(const T* gr, const int64_t* ir, T* r0, T* r1, int64_t first, int64_t w, int64_t ow);

}  // namespace nabla
