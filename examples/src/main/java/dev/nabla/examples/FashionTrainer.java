package dev.nabla.examples;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.data.FashionMNIST;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Module;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.Optimizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The training loop both Fashion-MNIST examples share: epochs with a progress bar (batches done, loss,
 * samples/s), the test accuracy after each epoch, a summary, then a save to safetensors and a reload that
 * must give the same test accuracy.
 */
final class FashionTrainer {
    private static final PrintStream OUT = System.out;
    /** Fashion-MNIST's pixel mean and standard deviation (torchvision's Normalize((0.2860,), (0.3530,))). */
    static final double PIXEL_MEAN = 0.2860;
    static final double PIXEL_STD = 0.3530;

    private FashionTrainer() {}

    /** Options from the command line: {@code --epochs N --data DIR --batch N --seed N}. */
    record Options(int epochs, Path data, int batchSize, long seed) {
        static Options parse(String[] args, int defaultEpochs) {
            int epochs = defaultEpochs;
            Path data = FashionMNIST.DEFAULT_DIR;
            int batch = 64;
            long seed = 0;
            for (int i = 0; i + 1 < args.length; i += 2) {
                switch (args[i]) {
                    case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
                    case "--data" -> data = Path.of(args[i + 1]);
                    case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                    case "--seed" -> seed = Long.parseLong(args[i + 1]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (known: --epochs N --data DIR --batch N --seed N)");
                }
            }
            return new Options(epochs, data, batch, seed);
        }
    }

    /**
     * Trains {@code model} and returns its final test accuracy. {@code flatten} picks [N, 784] images (MLP)
     * over [N, 1, 28, 28] (CNN); {@code fresh} builds an untrained model of the same architecture for the
     * reload check.
     */
    static double run(String name, Options o, boolean flatten, Module model, Supplier<Module> fresh,
            Function<Module, Optimizer<?>> optimizerFor) throws IOException {
        OUT.printf("%s: %s%n", name, model);
        try (FashionMNIST train = FashionMNIST.load(o.data(), FashionMNIST.Split.TRAIN, flatten);
                FashionMNIST test = FashionMNIST.load(o.data(), FashionMNIST.Split.TEST, flatten);
                Optimizer<?> opt = optimizerFor.apply(model)) {
            OUT.printf("train %d images, test %d images, batch %d, %d epochs%n", train.size(), test.size(),
                    o.batchSize(), o.epochs());
            DataLoader loader = DataLoader.builder(train).batchSize(o.batchSize()).shuffle(true).seed(o.seed()).build();
            // The learning rate decays along a cosine over the run: the last epochs fine-tune instead of
            // bouncing around the minimum, which makes the final accuracy steadier.
            CosineAnnealingLR schedule = new CosineAnnealingLR(opt, o.epochs(), 0.0);
            CrossEntropyLoss lossFn = new CrossEntropyLoss();
            double accuracy = 0;
            double totalSeconds = 0;
            for (int epoch = 0; epoch < o.epochs(); epoch++) {
                model.train();
                long start = System.nanoTime();
                double lossSum = 0;
                int batches = 0;
                long samples = 0;
                int total = loader.numBatches();
                try (DataLoader.BatchIterator it = loader.epoch(epoch)) {
                    while (it.hasNext()) {
                        try (Batch b = it.next(); TensorScope step = TensorScope.open()) {
                            Tensor loss = lossFn.forward(model.forward(normalize(b.x())), b.y());
                            opt.zeroGrad();
                            loss.backward();
                            opt.step();
                            lossSum += loss.item();
                            batches++;
                            samples += b.size();
                        }
                        if (batches % 50 == 0 || batches == total) {
                            double secs = (System.nanoTime() - start) / 1e9;
                            OUT.print("\r" + progress(epoch, o.epochs(), batches, total, lossSum / batches, samples / secs));
                            OUT.flush();
                        }
                    }
                }
                double secs = (System.nanoTime() - start) / 1e9;
                totalSeconds += secs;
                schedule.step();
                accuracy = evaluate(model, test);
                OUT.printf("%n  epoch %d: loss %.4f, test accuracy %.4f, %.1f s%n", epoch + 1, lossSum / batches,
                        accuracy, secs);
            }
            OUT.printf("%s: final test accuracy %.4f after %d epochs, %.1f s per epoch%n", name, accuracy,
                    o.epochs(), totalSeconds / o.epochs());

            Path file = Files.createTempFile(name, ".safetensors");
            SafeTensors.save(model.stateDict(), file);
            try (Module reloaded = fresh.get()) {
                var state = SafeTensors.load(file);
                reloaded.loadStateDict(state);
                state.values().forEach(Tensor::close);
                double again = evaluate(reloaded, test);
                OUT.printf("saved to %s (%d bytes); reloaded model: test accuracy %.4f (%s)%n", file, Files.size(file),
                        again, again == accuracy ? "the same" : "DIFFERENT");
                if (again != accuracy) {
                    throw new IllegalStateException("the reloaded model's accuracy differs: " + again + " vs " + accuracy);
                }
            } finally {
                Files.deleteIfExists(file);
            }
            return accuracy;
        }
    }

    /** Test accuracy in eval mode without recording a graph; argmax on the Java side. */
    static double evaluate(Module model, FashionMNIST test) {
        model.eval();
        int correct = 0;
        int n = test.size();
        int chunk = 1000;
        try (var g = GradMode.noGrad()) {
            for (int from = 0; from < n; from += chunk) {
                int[] idx = new int[Math.min(chunk, n - from)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = from + i;
                }
                try (Batch b = test.batch(idx); TensorScope s = TensorScope.open()) {
                    float[] logits = model.forward(normalize(b.x())).toFloatArray();
                    double[] labels = b.y().to(DType.FLOAT64).toDoubleArray();
                    int classes = logits.length / idx.length;
                    for (int i = 0; i < idx.length; i++) {
                        int best = 0;
                        for (int c = 1; c < classes; c++) {
                            if (logits[i * classes + c] > logits[i * classes + best]) {
                                best = c;
                            }
                        }
                        correct += best == (int) labels[i] ? 1 : 0;
                    }
                }
            }
        }
        model.train();
        return (double) correct / n;
    }

    /** Standardized pixels: zero mean and unit variance over the training set, as is usual for this data. */
    static Tensor normalize(Tensor images) {
        return images.sub(PIXEL_MEAN).div(PIXEL_STD);
    }

    private static String progress(int epoch, int epochs, int done, int total, double loss, double rate) {
        int width = 30;
        int filled = (int) ((long) width * done / total);
        return String.format("epoch %d/%d [%s%s] %d/%d loss %.4f %.0f samples/s", epoch + 1, epochs,
                "=".repeat(filled), " ".repeat(width - filled), done, total, loss, rate);
    }
}
