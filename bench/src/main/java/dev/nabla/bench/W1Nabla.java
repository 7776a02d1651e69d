package dev.nabla.bench;

import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;

/**
 * W1 on Nabla, line for line as {@link W1Torch}: every tensor an op returns is closed at once. {@code grad()}
 * returns the tensor's cached wrapper of its {@code .grad}, which the user does not close (as in libtorch,
 * where {@code grad()} returns a reference).
 */
final class W1Nabla implements W1.Impl {

    @Override
    public Case open() {
        Nabla.manualSeed(W1.SEED);
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y;
        try (Tensor x2 = x.add(2.0)) {
            y = x2.detach();
        }
        Tensor w = Tensor.randn(1).requiresGrad(true);
        Tensor b = Tensor.randn(1).requiresGrad(true);
        double lr = W1.LR;

        return new Case() {
            @Override
            public double run(long iters) {
                double last = 0;
                for (long i = 0; i < iters; i++) {
                    try (Tensor wx = w.mul(x); Tensor pred = wx.add(b); Tensor d = pred.sub(y);
                         Tensor sq = d.pow(2); Tensor loss = sq.mean()) {
                        last = loss.item();
                        loss.backward();
                    }
                    try (var g = GradMode.noGrad()) {
                        try (Tensor dw = w.grad().mul(lr)) {
                            w.subInPlace(dw);
                        }
                        try (Tensor db = b.grad().mul(lr)) {
                            b.subInPlace(db);
                        }
                    }
                    w.grad().zeroInPlace();
                    b.grad().zeroInPlace();
                }
                return last;
            }

            @Override
            public void close() {
                for (Tensor t : new Tensor[] {x, y, w, b}) {
                    t.close();
                }
            }
        };
    }
}
