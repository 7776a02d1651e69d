package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/** W5 on Nabla ({@code matmul} is OpenBLAS sgemm inside libnabla). */
final class W5Nabla implements W5.Impl {

    @Override
    public Case open(int n, boolean backward) {
        Nabla.manualSeed(5);
        Tensor a = Tensor.randn(n, n).requiresGrad(backward);
        Tensor b = Tensor.randn(n, n).requiresGrad(backward);
        return new Case() {
            @Override
            public double run(long iters) {
                for (long i = 0; i < iters; i++) {
                    try (Tensor c = a.matmul(b)) {
                        if (backward) {
                            try (Tensor s = c.sum()) {
                                s.backward();
                            }
                        }
                    }
                }
                return iters;
            }

            @Override
            public void close() {
                a.close();
                b.close();
            }
        };
    }
}
