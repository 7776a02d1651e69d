package dev.nabla.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W4 on libtorch. */
final class W4Torch implements W4.Impl {

    @Override
    public Case open() {
        torch.manual_seed(4);
        Tensor a = torch.randn(W4.N);
        return new Case() {
            @Override
            public double run(long iters) {
                double last = 0;
                for (long i = 0; i < iters; i++) {
                    try (Tensor s = a.sum()) {
                        last = s.item_float();
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
