package dev.nabla.bench;

import dev.nabla.Tensor;
import dev.nabla.data.FashionMNIST;
import java.nio.file.Path;

/**
 * The Fashion-MNIST training split, loaded once with {@link FashionMNIST} (float32 pixels / 255, int64
 * labels) and kept as Java arrays, from which each engine makes its own tensors: the same data in memory.
 */
final class FashionData {

    static Path dir = FashionMNIST.DEFAULT_DIR;
    private static FashionData instance;

    final int n;
    final float[] images; // n x 784
    final long[] labels;

    private FashionData(int n, float[] images, long[] labels) {
        this.n = n;
        this.images = images;
        this.labels = labels;
    }

    static synchronized FashionData get() {
        if (instance == null) {
            try (FashionMNIST train = FashionMNIST.load(dir, FashionMNIST.Split.TRAIN, true)) {
                Tensor x = train.images();
                Tensor y = train.labels();
                instance = new FashionData(train.size(), x.toFloatArray(), y.toLongArray());
            }
        }
        return instance;
    }
}
