package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/** W2 on Nabla: each result is closed at once (frees the tensor and, with it, its graph node). */
final class W2Nabla implements W2.Impl {

    @Override
    public Case open(W2.Sub sub) {
        Nabla.manualSeed(7);
        Tensor a = Tensor.randn(2, 2);
        Tensor b = Tensor.randn(2, 2);
        if (sub.requiresGrad()) {
            a.requiresGrad(true);
        }
        return new Case() {
            @Override
            public double run(long iters) {
                switch (sub) {
                    case ADD_NOGRAD, ADD_GRAPH -> {
                        for (long i = 0; i < iters; i++) {
                            a.add(b).close();
                        }
                    }
                    case MUL_GRAPH -> {
                        for (long i = 0; i < iters; i++) {
                            a.mul(b).close();
                        }
                    }
                    case SUM_GRAPH -> {
                        for (long i = 0; i < iters; i++) {
                            a.sum().close();
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
