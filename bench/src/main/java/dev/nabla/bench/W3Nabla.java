package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import java.lang.foreign.ValueLayout;

/**
 * W3 on Nabla: three ops, each result closed at once. A result this large is deferred until its values
 * are read (the ops run fused, in one pass), so the loop takes the result's memory segment, which
 * computes it: the time covers the whole computation, as libtorch's eager ops do.
 */
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
                double seen = 0;
                for (long i = 0; i < iters; i++) {
                    try (Tensor ab = a.mul(b); Tensor s = ab.add(c); Tensor r = s.relu()) {
                        seen += r.data().get(ValueLayout.JAVA_FLOAT, 0);  // fresh outputs, freed here
                    }
                }
                return iters + seen;
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
