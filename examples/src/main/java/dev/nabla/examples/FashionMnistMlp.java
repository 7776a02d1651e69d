package dev.nabla.examples;

import dev.nabla.Nabla;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import java.io.IOException;

/**
 * Workload F1: a 784-256-128-10 ReLU MLP on Fashion-MNIST, batch 64, Adam 1e-3 with a cosine decay over the 10 epochs.
 * The published anchor for an MLP of this size is 0.8833 test accuracy.
 */
public final class FashionMnistMlp {
    private FashionMnistMlp() {}

    static Module model() {
        return new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
    }

    public static void main(String[] args) throws IOException {
        FashionTrainer.Options o = FashionTrainer.Options.parse(args, 10);
        Nabla.manualSeed(o.seed());
        try (Module model = model()) {
            FashionTrainer.run("fashion-mnist-mlp", o, true, model, FashionMnistMlp::model,
                    m -> new Adam(m.parameters(), Adam.options().lr(1e-3)));
        }
    }
}
