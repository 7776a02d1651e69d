package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The convolution, pooling and embedding layers: known values, init bounds and gradient checks. */
class ConvLayerTest extends NnTestBase {

    private static Tensor randn64(long seed, long... shape) {
        try (Generator g = new Generator(seed)) {
            return Tensor.randn(g, DType.FLOAT64, shape);
        }
    }

    private static List<Long> dims(Tensor t) {
        return Arrays.stream(t.shape().dims()).boxed().toList();
    }

    @Test
    void conv2dKnownValues() {
        try (Conv2d conv = new Conv2d(1, 1, 2)) {
            conv.loadStateDict(Map.of(
                    "weight", Tensor.of(new float[] {1, 0, 0, -1}, 1, 1, 2, 2),
                    "bias", Tensor.of(new float[] {0.5f})));
            // input 3x3 = 1..9; kernel [[1, 0], [0, -1]] gives x[i][j] - x[i+1][j+1] = -4 everywhere, + 0.5
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
            Tensor y = conv.forward(x);
            assertEquals(List.of(1L, 1L, 2L, 2L), dims(y));
            assertValues(new double[] {-3.5, -3.5, -3.5, -3.5}, y, 1e-6);
        }
    }

    @Test
    void conv2dInitIsWithinPyTorchsBound() {
        Nabla.manualSeed(3);
        try (Conv2d conv = new Conv2d(4, 6, 3, 1, 1, 1, 2, true, DType.FLOAT32)) {
            double bound = 1 / Math.sqrt(2 * 3 * 3); // fan_in = in/groups * k * k
            for (float v : conv.parameter("weight").toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, "weight " + v);
            }
            assertEquals(List.of(6L, 2L, 3L, 3L), dims(conv.parameter("weight")));
            assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 6, 3, 1, 0, 1, 2, true, DType.FLOAT32));
        }
    }

    @Test
    void poolingKnownValues() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 1, 4, 4);
        // 2x2 windows of 1..16: maxima 6, 8, 14, 16; means 3.5, 5.5, 11.5, 13.5
        assertValues(new double[] {6, 8, 14, 16}, new MaxPool2d(2).forward(x), 0);
        assertValues(new double[] {3.5, 5.5, 11.5, 13.5}, new AvgPool2d(2).forward(x), 1e-6);
    }

    @Test
    void embeddingLooksUpRowsAndAccumulatesRepeatedIndices() {
        try (Embedding emb = new Embedding(4, 2)) {
            emb.loadStateDict(Map.of("weight", Tensor.of(new float[] {0, 1, 10, 11, 20, 21, 30, 31}, 4, 2)));
            Tensor idx = Tensor.of(new long[] {2, 0, 2}, 3);
            Tensor y = emb.forward(idx);
            assertValues(new double[] {20, 21, 0, 1, 20, 21}, y, 0);
            y.sum().backward();
            // row 2 is used twice, row 0 once, rows 1 and 3 never
            assertValues(new double[] {1, 1, 0, 0, 2, 2, 0, 0}, emb.parameter("weight").grad(), 0);
        }
    }

    @Test
    void smallCnnShapes() {
        try (Sequential net = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(4 * 13 * 13, 10))) {
            Tensor y = net.forward(Tensor.ones(2, 1, 28, 28));
            assertEquals(List.of(2L, 10L), dims(y));
            assertEquals(List.of("0.weight", "0.bias", "4.weight", "4.bias"), List.copyOf(net.namedParameters().keySet()));
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        try (Conv2d conv = new Conv2d(4, 4, 3, 2, 1, 1, 2, true, DType.FLOAT64)) {
            ModuleGradCheck.check("Conv2d groups=2 stride=2 padding=1", conv, conv::forward, randn64(1, 2, 4, 5, 5));
        }
        MaxPool2d max = new MaxPool2d(2);
        ModuleGradCheck.check("MaxPool2d", max, max::forward, randn64(2, 1, 2, 4, 4));
        AvgPool2d avg = new AvgPool2d(3, 2, 1);
        ModuleGradCheck.check("AvgPool2d", avg, avg::forward, randn64(3, 1, 2, 5, 5));
    }

    @Test
    void aWholeSmallCnnHasCentralDifferenceGradients() {
        // The F2 architecture in miniature: two conv-relu-pool stages, flatten, linear, in float64.
        try (Sequential net = new Sequential(
                new Conv2d(1, 4, 3, 1, 0, 1, 1, true, DType.FLOAT64), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 6, 3, 1, 0, 1, 1, true, DType.FLOAT64), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(24, 10, true, DType.FLOAT64))) {
            Tensor target = Tensor.of(new long[] {3, 7});
            CrossEntropyLoss ce = new CrossEntropyLoss();
            ModuleGradCheck.check("small CNN + cross-entropy", net, x -> ce.forward(net.forward(x), target),
                    randn64(11, 2, 1, 14, 14));
        }
    }
}
