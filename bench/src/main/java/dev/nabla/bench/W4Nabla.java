package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/** W4 on Nabla. */
final class W4Nabla implements W4.Impl {

    @Override
    public Case open() {
        Nabla.manualSeed(4);
        Tensor a = Tensor.randn(W4.N);
        return new Case() {
            @Override
            public double run(long iters) {
                double last = 0;
                for (long i = 0; i < iters; i++) {
                    try (Tensor s = a.sum()) {
                        last = s.item();
                    }
                }
                return last;
            }

            @Override
            public void close() {
                a.close();
            }
        };
    }
}
