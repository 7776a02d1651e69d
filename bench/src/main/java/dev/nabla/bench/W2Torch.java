package dev.nabla.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W2 on libtorch: each result is closed at once (frees the tensor and, with it, its graph node). */
final class W2Torch implements W2.Impl {

    @Override
    public Case open(W2.Sub sub) {
        torch.manual_seed(7);
        Tensor a = torch.randn(2, 2);
        Tensor b = torch.randn(2, 2);
        if (sub.requiresGrad()) {
            a.set_requires_grad(true);
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
