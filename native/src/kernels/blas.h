// Every GEMM of the library: row-major C = alpha op(A) op(B) + beta C through OpenBLAS, with the
// thread count chosen per call: one thread below kBlasSerialMnk multiply-adds (a second thread
// costs more to wake than it saves), else num_threads() (kernels/parallel.h).
//
// Tried and measured against this, on the two-core machine: OpenBLAS always single-threaded with
// large products cut into one GEMM per thread of our own pool. It ended OpenBLAS's busy-waiting
// workers (a CNN step's system time fell from 30% to 6%), but each block packs the shared operand
// again and our pool wakes slower than OpenBLAS's spinning threads: F1 at 2 threads went from 0.76
// to 0.96 s per epoch and F2 did not gain, so OpenBLAS keeps its threads.
#pragma once
#include <cstdint>

namespace nabla {

// ta / tb: op(A) = A^T / op(B) = B^T. lda, ldb, ldc are the row strides of A, B, C as stored.
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
               const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// Products below this many multiply-adds run on the calling thread: up to about 128^3 a second
// thread costs more to wake than it saves (measured: tools/bench_native.cpp).
constexpr int64_t kBlasSerialMnk = int64_t{1} << 21;

}  // namespace nabla
