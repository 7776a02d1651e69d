package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.SGD;

/** W6 on Nabla: {@code dev.nabla.nn} and {@code dev.nabla.optim.SGD}; a {@link TensorScope} per step frees the temporaries. */
final class W6Nabla implements W6.Impl {

    @Override
    public Case open() {
        Nabla.manualSeed(6);
        Module model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 256), new ReLU(),
                new Linear(256, 10));
        SGD opt = new SGD(model.parameters(), W6.LR);
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        Tensor x = Tensor.randn(W6.BATCH, 784);
        Tensor y = Tensor.of(W6.labels(), W6.BATCH);
        return new Case() {
            @Override
            public double run(long iters) {
                double last = 0;
                for (long i = 0; i < iters; i++) {
                    try (TensorScope step = TensorScope.open()) {
                        opt.zeroGrad();
                        Tensor loss = lossFn.forward(model.forward(x), y);
                        loss.backward();
                        opt.step();
                        last = loss.item();
                    }
                }
                return last;
            }

            @Override
            public void close() {
                opt.close();
                model.close();
                x.close();
                y.close();
            }
        };
    }
}
