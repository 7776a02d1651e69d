package dev.nabla.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W3 on libtorch: three ops, each result closed at once. */
final class W3Torch implements W3.Impl {

    @Override
    public Case open() {
        torch.manual_seed(3);
        Tensor a = torch.randn(W3.N);
        Tensor b = torch.randn(W3.N);
        Tensor c = torch.randn(W3.N);
        return new Case() {
            @Override
            public double run(long iters) {
                for (long i = 0; i < iters; i++) {
                    try (Tensor ab = a.mul(b); Tensor s = ab.add(c); Tensor r = torch.relu(s)) {
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
