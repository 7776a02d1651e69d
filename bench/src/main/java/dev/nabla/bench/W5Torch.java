package dev.nabla.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W5 on libtorch. */
final class W5Torch implements W5.Impl {

    @Override
    public Case open(int n, boolean backward) {
        torch.manual_seed(5);
        Tensor a = torch.randn(n, n);
        Tensor b = torch.randn(n, n);
        a.set_requires_grad(backward);
        b.set_requires_grad(backward);
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
