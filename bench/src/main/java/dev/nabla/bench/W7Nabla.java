package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/** W7 on Nabla. */
final class W7Nabla implements W7.Impl {

    @Override
    public TimedCase open(boolean backward) {
        Nabla.manualSeed(7);
        Tensor x = Tensor.randn(16).requiresGrad(true);
        return new TimedCase() {
            private Tensor chain() {
                Tensor y = x;
                for (int k = 0; k < W7.OPS; k++) {
                    Tensor next = (k % 2 == 0) ? y.mul(1.001) : y.add(0.001);
                    if (y != x) {
                        y.close();
                    }
                    y = next;
                }
                return y;
            }

            @Override
            public long runTimed(long iters) {
                long ns = 0;
                for (long i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    Tensor y = chain();
                    long t1 = System.nanoTime();
                    if (backward) {
                        try (Tensor s = y.sum()) {
                            s.backward();
                        }
                        ns += System.nanoTime() - t1;
                    } else {
                        ns += t1 - t0;
                    }
                    y.close();
                }
                return ns;
            }

            @Override
            public void close() {
                x.close();
            }
        };
    }
}
