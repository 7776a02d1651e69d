package dev.nabla.bench;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * W1 on libtorch, written as a careful JavaCPP user does: every tensor an op returns by value is closed at
 * once, scalars are made once, {@code item_float()} avoids a {@code Scalar}. Tensors returned by reference
 * ({@code grad()}, in-place ops) own nothing and need no close.
 */
final class W1Torch implements W1.Impl {

    @Override
    public Case open() {
        torch.manual_seed(W1.SEED);
        Scalar two = new Scalar(2.0);
        Scalar lr = new Scalar(W1.LR);
        Tensor x = torch.ones(2, 2);
        x.set_requires_grad(true);
        Tensor y;
        try (Tensor x2 = x.add(two)) {
            y = x2.detach();
        }
        Tensor w = torch.randn(1);
        w.set_requires_grad(true);
        Tensor b = torch.randn(1);
        b.set_requires_grad(true);

        return new Case() {
            @Override
            public double run(long iters) {
                float last = 0;
                for (long i = 0; i < iters; i++) {
                    try (Tensor wx = w.mul(x); Tensor pred = wx.add(b); Tensor d = pred.sub(y);
                         Tensor sq = d.pow(two); Tensor loss = sq.mean()) {
                        last = loss.item_float();
                        loss.backward();
                    }
                    try (NoGradGuard g = new NoGradGuard()) {
                        try (Tensor dw = w.grad().mul(lr)) {
                            w.sub_(dw);
                        }
                        try (Tensor db = b.grad().mul(lr)) {
                            b.sub_(db);
                        }
                    }
                    w.grad().zero_();
                    b.grad().zero_();
                }
                return last;
            }

            @Override
            public void close() {
                for (var p : new org.bytedeco.javacpp.Pointer[] {x, y, w, b, two, lr}) {
                    p.close();
                }
            }
        };
    }
}
