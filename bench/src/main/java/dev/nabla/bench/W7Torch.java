package dev.nabla.bench;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W7 on libtorch; the two scalars are made once. */
final class W7Torch implements W7.Impl {

    @Override
    public TimedCase open(boolean backward) {
        torch.manual_seed(7);
        Tensor x = torch.randn(16);
        x.set_requires_grad(true);
        Scalar m = new Scalar(1.001);
        Scalar a = new Scalar(0.001);
        return new TimedCase() {
            private Tensor chain() {
                Tensor y = x;
                for (int k = 0; k < W7.OPS; k++) {
                    Tensor next = (k % 2 == 0) ? y.mul(m) : y.add(a);
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
                m.close();
                a.close();
            }
        };
    }
}
