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
 * relu - fc(128->10) on Fashion-MNIST, batch 64, Adam 1e-3 with a cosine decay over the epochs (8 by
 * default; F2's timing is per epoch). The published anchor for two
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
        // F2 times 5 epochs; the example trains 8 by default: here 5 epochs end at 0.909 test accuracy,
        // just short of the 0.91 target, and the curve is still rising. `--epochs 5` gives F2 exactly.
        FashionTrainer.Options o = FashionTrainer.Options.parse(args, 8);
        Nabla.manualSeed(o.seed());
        try (Module model = model()) {
            FashionTrainer.run("fashion-mnist-cnn", o, false, model, FashionMnistCnn::model,
                    m -> new Adam(m.parameters(), Adam.options().lr(1e-3)));
        }
    }
}
