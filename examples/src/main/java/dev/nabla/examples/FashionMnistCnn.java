package dev.nabla.examples;

import dev.nabla.Nabla;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.io.IOException;

/**
 * Workload F2: conv(1->32, 3x3) - relu - maxpool2 - conv(32->64, 3x3) - relu - maxpool2 - fc(1600->128) -
 * relu - fc(128->10) on Fashion-MNIST, batch 64, Adam 1e-3 with a cosine
 * decay over the 5 epochs. The published anchor for two
 * convolutions with pooling is 0.916 test accuracy.
 */
public final class FashionMnistCnn {
    private FashionMnistCnn() {}

    static Module model() {
        return new Sequential(
                new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(1600, 128), new ReLU(), new Linear(128, 10));
    }

    public static void main(String[] args) throws IOException {
        FashionTrainer.Options o = FashionTrainer.Options.parse(args, 5);
        Nabla.manualSeed(o.seed());
        try (Module model = model()) {
            FashionTrainer.run("fashion-mnist-cnn", o, false, model, FashionMnistCnn::model,
                    m -> new Adam(m.parameters(), Adam.options().lr(1e-3)));
        }
    }
}
