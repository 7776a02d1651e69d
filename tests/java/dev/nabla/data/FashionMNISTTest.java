package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Shape;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMNISTTest extends LeakCheckedTest {
    @TempDir
    Path dir;

    /** A tiny stand-in for the real files: n images whose pixel j of image i is (i + j) % 256. */
    private void writeSplit(String prefix, int n, boolean gz) throws IOException {
        byte[] px = new byte[n * 28 * 28];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 784; j++) {
                px[i * 784 + j] = (byte) ((i + j) % 256);
            }
        }
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
        }
        byte[] img = IdxTest.idx(8, new int[] {n, 28, 28}, px);
        byte[] lab = IdxTest.idx(8, new int[] {n}, labels);
        String s = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + s), gz ? IdxTest.gzip(img) : img);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + s), gz ? IdxTest.gzip(lab) : lab);
    }

    @Test
    void readsBothSplitsFromADirectory() throws IOException {
        writeSplit("train", 12, true);
        writeSplit("t10k", 5, false);
        try (FashionMNIST train = FashionMNIST.load(dir, FashionMNIST.Split.TRAIN, false);
                FashionMNIST test = FashionMNIST.load(dir, FashionMNIST.Split.TEST, true)) {
            assertEquals(12, train.size());
            assertEquals(Shape.of(12, 1, 28, 28), train.images().shape());
            assertEquals(DType.FLOAT32, train.images().dtype());
            assertEquals(DType.INT64, train.labels().dtype());
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}, train.labels().data().toArray(ValueLayout.JAVA_LONG));
            float[] px = train.images().toFloatArray();
            assertEquals((3 + 5) / 255f, px[3 * 784 + 5], 0f);

            assertEquals(Shape.of(5, 784), test.images().shape());
            try (Batch b = test.batch(new int[] {4, 0})) {
                assertEquals(Shape.of(2, 784), b.x().shape());
                assertArrayEquals(new long[] {4, 0}, b.y().data().toArray(ValueLayout.JAVA_LONG));
                assertEquals(4 / 255f, b.x().toFloatArray()[0], 0f);
            }
        }
    }

    @Test
    void missingDirectoryOrFileNamesTheAptPackage() throws IOException {
        var ex = assertThrows(UncheckedIOException.class,
                () -> FashionMNIST.load(dir.resolve("absent"), FashionMNIST.Split.TRAIN, false));
        assertTrue(ex.getMessage().contains("apt-get install dataset-fashion-mnist"), ex.getMessage());
        assertInstanceOf(NoSuchFileException.class, ex.getCause());

        writeSplit("train", 2, true);
        Files.delete(dir.resolve("train-labels-idx1-ubyte.gz"));
        ex = assertThrows(UncheckedIOException.class, () -> FashionMNIST.load(dir, FashionMNIST.Split.TRAIN, false));
        assertTrue(ex.getMessage().contains("train-labels-idx1-ubyte.gz"), ex.getMessage());
        assertTrue(ex.getMessage().contains("dataset-fashion-mnist"), ex.getMessage());
    }

    @Test
    void mismatchedFilesAreRefused() throws IOException {
        writeSplit("train", 3, false);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxTest.idx(8, new int[] {2}, new byte[] {1, 2}));
        var ex = assertThrows(IdxFormatException.class, () -> FashionMNIST.load(dir, FashionMNIST.Split.TRAIN, false));
        assertTrue(ex.getMessage().contains("expected 3 labels"), ex.getMessage());
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxTest.idx(8, new int[] {3}, new byte[] {1, 2, 10}));
        ex = assertThrows(IdxFormatException.class, () -> FashionMNIST.load(dir, FashionMNIST.Split.TRAIN, false));
        assertTrue(ex.getMessage().contains("outside 0..9"), ex.getMessage());
    }

    /** The real files, when the Debian package is installed (./nabla installs it for the examples). */
    @Test
    void realFilesFromTheDebianPackage() {
        assumeTrue(Files.isDirectory(FashionMNIST.DEFAULT_DIR), "dataset-fashion-mnist is not installed");
        try (FashionMNIST test = FashionMNIST.load(FashionMNIST.Split.TEST)) {
            assertEquals(10_000, test.size());
            assertEquals(Shape.of(10_000, 1, 28, 28), test.images().shape());
            long[] counts = new long[10];
            for (long l : test.labels().data().toArray(ValueLayout.JAVA_LONG)) {
                counts[(int) l]++;
            }
            assertArrayEquals(new long[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, counts);
            float[] px = test.images().toFloatArray();
            float min = 1, max = 0;
            for (float v : px) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(0f, min);
            assertEquals(1f, max);
        }
        try (FashionMNIST train = FashionMNIST.load(FashionMNIST.DEFAULT_DIR, FashionMNIST.Split.TRAIN, true)) {
            assertEquals(Shape.of(60_000, 784), train.images().shape());
            assertEquals(Shape.of(60_000), train.labels().shape());
        }
    }
}
