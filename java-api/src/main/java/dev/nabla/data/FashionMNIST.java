package dev.nabla.data;

import dev.nabla.Tensor;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The Fashion-MNIST dataset (Zalando, 70,000 28x28 grayscale images of 10 clothing classes), read
 * from the four IDX files in a directory, like {@code torchvision.datasets.FashionMNIST} with
 * {@code transform=ToTensor()}:
 *
 * <pre>{@code
 * try (FashionMNIST train = FashionMNIST.load(FashionMNIST.Split.TRAIN)) {
 *     train.images();   // float32 [60000, 1, 28, 28] in [0, 1]
 *     train.labels();   // int64 [60000], class indices 0..9 (see CLASSES)
 * }
 * }</pre>
 *
 * <p>The default directory is {@code /usr/share/datasets/fashion-mnist}, which the Debian package
 * {@code dataset-fashion-mnist} installs ({@code ./nabla example fashion-*} installs it when missing).
 * Each file may be gzip-compressed ({@code train-images-idx3-ubyte.gz}, as the package ships them) or
 * plain ({@code train-images-idx3-ubyte}).
 *
 * <p>The two tensors are made when the dataset is loaded and belong to the calling thread's scope, or
 * to this dataset when no scope is open: {@link #close()} frees them.
 */
public final class FashionMNIST implements Dataset, AutoCloseable {
    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The Debian package that installs the files into {@link #DEFAULT_DIR}. */
    public static final String APT_PACKAGE = "dataset-fashion-mnist";

    /** The class names, by label. */
    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Which half of the data: 60,000 training or 10,000 test examples. */
    public enum Split {
        /** {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}: 60,000 examples. */
        TRAIN("train"),
        /** {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}: 10,000 examples. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private final Tensor images;
    private final Tensor labels;
    private final TensorDataset dataset;

    private FashionMNIST(Tensor images, Tensor labels) {
        this.images = images;
        this.labels = labels;
        this.dataset = new TensorDataset(images, labels);
    }

    /** The split from {@link #DEFAULT_DIR}, images {@code [N, 1, 28, 28]}. */
    public static FashionMNIST load(Split split) {
        return load(DEFAULT_DIR, split, false);
    }

    /**
     * The split from {@code dir}: images as float32 in [0, 1] ({@code pixel / 255}), of shape
     * {@code [N, 1, 28, 28]}, or {@code [N, 784]} when {@code flatten}; labels as int64 {@code [N]}.
     *
     * @throws UncheckedIOException (with a {@link NoSuchFileException} cause) when the directory or a
     *     file is missing; the message says how to install the data
     * @throws IdxFormatException when a file is not the IDX data expected (wrong shape, bad labels, corrupt)
     */
    public static FashionMNIST load(Path dir, Split split, boolean flatten) {
        if (!Files.isDirectory(dir)) {
            throw missing(dir, "the directory " + dir + " does not exist");
        }
        Path imageFile = find(dir, split.prefix + "-images-idx3-ubyte");
        Path labelFile = find(dir, split.prefix + "-labels-idx1-ubyte");
        Idx.Data img = Idx.read(imageFile);
        Idx.Data lab = Idx.read(labelFile);
        long[] s = img.shape().dims();
        if (s.length != 3 || s[1] != 28 || s[2] != 28) {
            throw new IdxFormatException(imageFile + ": expected images of shape [N, 28, 28], found " + img.shape());
        }
        if (lab.shape().rank() != 1 || lab.shape().size(0) != s[0]) {
            throw new IdxFormatException(labelFile + ": expected " + s[0] + " labels (shape [" + s[0]
                    + "]) to match " + imageFile.getFileName() + ", found shape " + lab.shape());
        }
        for (int i = 0; i < lab.values().length; i++) {
            if (lab.get(i) >= CLASSES.size()) {
                throw new IdxFormatException(labelFile + ": label " + i + " is " + lab.get(i) + ", outside 0..9");
            }
        }
        Tensor images = img.toFloat32(true);
        Tensor x = null;
        Tensor y = null;
        try {
            x = flatten ? images.reshape(s[0], 28 * 28) : images.reshape(s[0], 1, 28, 28);
            y = lab.toInt64();
            return new FashionMNIST(x, y);
        } catch (RuntimeException | Error e) {
            if (x != null) {
                x.close();
            }
            if (y != null) {
                y.close();
            }
            throw e;
        } finally {
            images.close(); // the reshaped view keeps the storage
        }
    }

    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw missing(gz, "neither " + gz.getFileName() + " nor " + plain.getFileName() + " is in " + dir);
    }

    private static UncheckedIOException missing(Path path, String what) {
        return new UncheckedIOException("FashionMNIST: " + what + ". Install the data with `sudo apt-get install "
                + APT_PACKAGE + "` (into " + DEFAULT_DIR + "; ./nabla example fashion-mnist-mlp does it for you), "
                + "or pass the directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                new NoSuchFileException(path.toString()));
    }

    /** The images: float32 in [0, 1], {@code [N, 1, 28, 28]} or {@code [N, 784]}. */
    public Tensor images() {
        return images;
    }

    /** The labels: int64 class indices {@code [N]}, names in {@link #CLASSES}. */
    public Tensor labels() {
        return labels;
    }

    /** The number of examples: 60,000 for {@link Split#TRAIN}, 10,000 for {@link Split#TEST}. */
    @Override
    public int size() {
        return dataset.size();
    }

    /** Images {@code [B, 1, 28, 28]} (or {@code [B, 784]}) and labels {@code [B]} at {@code indices}. */
    @Override
    public Batch batch(int[] indices) {
        return dataset.batch(indices);
    }

    /** Frees the images and labels. */
    @Override
    public void close() {
        images.close();
        labels.close();
    }
}
