package dev.nabla.bench;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;

/** F1 / F2 on Nabla, the models of the examples (FashionMnistMlp, FashionMnistCnn), the loop of FashionTrainer. */
final class FNabla implements F.Impl {

    @Override
    public Case open(boolean cnn) {
        Nabla.manualSeed(11);
        FashionData d = FashionData.get();
        Tensor images = cnn ? Tensor.of(d.images, d.n, 1, 28, 28) : Tensor.of(d.images, d.n, 784);
        Tensor labels = Tensor.of(d.labels, d.n);
        Module model = cnn
                ? new Sequential(
                        new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
                        new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
                        new Flatten(), new Linear(1600, 128), new ReLU(), new Linear(128, 10))
                : new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(),
                        new Linear(128, 10));
        Adam opt = new Adam(model.parameters(), Adam.options().lr(F.LR));
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        return new Case() {
            long step;

            @Override
            public double run(long iters) {
                double last = 0;
                for (long i = 0; i < iters; i++) {
                    long s = F.start(step++);
                    try (TensorScope scope = TensorScope.open()) {
                        Tensor x = images.narrow(0, s, F.BATCH);
                        Tensor y = labels.narrow(0, s, F.BATCH);
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
                images.close();
                labels.close();
            }
        };
    }
}
