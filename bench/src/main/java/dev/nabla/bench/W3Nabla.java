package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/** W3 on Nabla: three ops, each result closed at once. */
final class W3Nabla implements W3.Impl {

    @Override
    public Case open() {
        Nabla.manualSeed(3);
        Tensor a = Tensor.randn(W3.N);
        Tensor b = Tensor.randn(W3.N);
        Tensor c = Tensor.randn(W3.N);
        return new Case() {
            @Override
            public double run(long iters) {
                for (long i = 0; i < iters; i++) {
                    try (Tensor ab = a.mul(b); Tensor s = ab.add(c); Tensor r = s.relu()) {
                        // fresh outputs, freed here
                    }
                }
                return iters;
            }

            @Override
            public void close() {
                a.close();
                b.close();
                c.close();
            }
        };
    }
}
