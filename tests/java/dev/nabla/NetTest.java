package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.Functional;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Known values of the network functions in {@link Functional}, each derived by hand. */
class NetTest extends NablaTestBase {

    private static Tensor longs(long[] shape, float... values) {
        return Tensor.of(values, shape).to(DType.INT64);
    }

    @Test
    void conv2dByHand() {
        // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w = [[1, 2], [3, 4]], b = 0.5, stride 1, no padding:
        // y[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1] + 0.5
        //   y[0, 0] = 1 + 4 + 12 + 20 + 0.5 = 37.5, y[0, 1] = 2 + 6 + 15 + 24 + 0.5 = 47.5
        //   y[1, 0] = 4 + 10 + 21 + 32 + 0.5 = 67.5, y[1, 1] = 5 + 12 + 24 + 36 + 0.5 = 77.5
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3).requiresGrad(true);
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.5f}).requiresGrad(true);
        Tensor y = Functional.conv2d(x, w, b);
        assertEquals(Shape.of(1, 1, 2, 2), y.shape());
        assertArrayEquals(new float[] {37.5f, 47.5f, 67.5f, 77.5f}, y.toFloatArray());
        assertEquals("ConvolutionBackward0", y.gradFn());
        y.sum().backward();
        // d sum / d w[a, b] = sum of the x each tap sees: w00 1+2+4+5 = 12, w01 2+3+5+6 = 16,
        // w10 4+5+7+8 = 24, w11 5+6+8+9 = 28; d sum / db = 4 outputs; d sum / dx[i, j] = the sum of
        // the taps that touch it: corner x00 = w00 = 1, centre x11 = 1+2+3+4 = 10, x22 = w11 = 4.
        assertArrayEquals(new float[] {12, 16, 24, 28}, w.grad().toFloatArray());
        assertArrayEquals(new float[] {4}, b.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 3, 2, 4, 10, 6, 3, 7, 4}, x.grad().toFloatArray());
    }

    @Test
    void conv2dPaddingStrideShape() {
        // H_out = (5 + 2*1 - 2*(3-1) - 1) / 2 + 1 = 2 and W_out = (6 + 2 - 4 - 1) / 2 + 1 = 2 (floor).
        Tensor y = Functional.conv2d(Tensor.ones(2, 4, 5, 6), Tensor.ones(6, 2, 3, 3), null, 2, 1, 2, 2);
        assertEquals(Shape.of(2, 6, 2, 2), y.shape());
        // All-ones input and weight, no padding: each output sums 2 channels * 9 taps = 18.
        Tensor z = Functional.conv2d(Tensor.ones(1, 4, 3, 3), Tensor.ones(2, 2, 3, 3), null, 1, 0, 1, 2);
        assertArrayEquals(new float[] {18, 18}, z.toFloatArray());
    }

    @Test
    void conv2dErrorsUsePyTorchWords() {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> Functional.conv2d(Tensor.zeros(2, 2, 5, 5), Tensor.zeros(4, 3, 3, 3), null));
        assertTrue(e.getMessage().contains("conv2d: Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 2, 5, 5] "
                + "to have 3 channels, but got 2 channels instead"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Functional.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(3, 1, 3, 3), null, 1, 0, 1, 2));
        assertTrue(e.getMessage().contains("expected weight to be divisible by 2 at dimension 0"), e.getMessage());
        e = assertThrows(ShapeMismatchException.class,
                () -> Functional.conv2d(Tensor.zeros(1, 3, 2, 2), Tensor.zeros(4, 3, 3, 3), null));
        assertTrue(e.getMessage().contains("Kernel size can't be greater than actual input size"), e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> Functional.conv2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(DType.FLOAT64, 4, 3, 3, 3), null));
        assertTrue(d.getMessage().contains("input type (float32) and weight type (float64) should be the same"), d.getMessage());
    }

    @Test
    void maxPoolPicksTheMaximumAndRoutesTheGradient() {
        // x = arange(16) as 4x4: each 2x2 window's maximum is its bottom-right element, 5, 7, 13, 15.
        Tensor x = Tensor.arange(16).reshape(1, 1, 4, 4).to(DType.FLOAT64).requiresGrad(true);
        Tensor[] r = Functional.maxPool2dWithIndices(x, new int[] {2}, null, null, null);
        assertArrayEquals(new double[] {5, 7, 13, 15}, r[0].toDoubleArray());
        assertArrayEquals(new double[] {5, 7, 13, 15}, r[1].to(DType.FLOAT64).toDoubleArray());
        assertEquals(DType.INT64, r[1].dtype());
        r[0].sum().backward();
        double[] g = new double[16];
        g[5] = g[7] = g[13] = g[15] = 1; // d max / d x = 1 at the argmax, 0 elsewhere
        assertArrayEquals(g, x.grad().toDoubleArray());
    }

    @Test
    void maxPoolPropagatesNaN() {
        Tensor x = Tensor.of(new double[] {1, Double.NaN, 3, 4}, 1, 1, 2, 2).requiresGrad(true);
        Tensor y = Functional.maxPool2d(x, 2);
        assertTrue(Double.isNaN(y.item()));
        y.sum().backward();
        assertArrayEquals(new double[] {0, 1, 0, 0}, x.grad().toDoubleArray()); // to the NaN
    }

    @Test
    void avgPoolWithAndWithoutPaddingInTheDivisor() {
        // arange(16) as 4x4, kernel 2: window means (0+1+4+5)/4 = 2.5, 4.5, 10.5, 12.5.
        Tensor x = Tensor.arange(16).reshape(1, 1, 4, 4).to(DType.FLOAT64);
        assertArrayEquals(new double[] {2.5, 4.5, 10.5, 12.5}, Functional.avgPool2d(x, 2).toDoubleArray());
        // [[1, 2], [3, 4]], kernel 3, stride 1, padding 1: every window covers all four (sum 10) plus
        // five zeros of padding: 10 / 9 counting the padding, 10 / 4 without.
        Tensor s = Tensor.of(new double[] {1, 2, 3, 4}, 1, 1, 2, 2).requiresGrad(true);
        double[] inc = Functional.avgPool2d(s, 3, 1, 1).toDoubleArray();
        double[] exc = Functional.avgPool2d(s, new int[] {3}, new int[] {1}, new int[] {1}, false).toDoubleArray();
        for (int i = 0; i < 4; i++) {
            assertEquals(10.0 / 9, inc[i], 1e-12);
            assertEquals(2.5, exc[i], 1e-12);
        }
        // d sum(avg) / d x = 4 windows * 1/9 each.
        Functional.avgPool2d(s, 3, 1, 1).sum().backward();
        assertArrayEquals(new double[] {4.0 / 9, 4.0 / 9, 4.0 / 9, 4.0 / 9}, s.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void dropoutStatisticsAndScale() {
        Tensor x = Tensor.ones(200, 200).requiresGrad(true);
        Tensor y;
        try (Generator g = new Generator(42)) {
            y = Functional.dropout(x, 0.25, true, g);
        }
        float[] v = y.toFloatArray();
        long kept = 0;
        for (float e : v) {
            if (e != 0) {
                assertEquals(1 / 0.75f, e, 1e-6f); // kept elements scaled by 1 / (1 - p)
                kept++;
            }
        }
        // Binomial(40000, 0.75): sd of the fraction is sqrt(0.75 * 0.25 / 40000) = 0.0022; allow 5 sd.
        assertEquals(0.75, kept / 40000.0, 0.011);
        y.sum().backward();
        assertArrayEquals(v, x.grad().toFloatArray()); // d y / d x = mask * scale = y / x with x = 1
    }

    @Test
    void dropoutIsReproducibleForASeed() {
        Tensor x = Tensor.randn(10, 10);
        float[] a;
        float[] b;
        try (Generator g1 = new Generator(3); Generator g2 = new Generator(3)) {
            a = Functional.dropout(x, 0.5, true, g1).toFloatArray();
            b = Functional.dropout(x, 0.5, true, g2).toFloatArray();
        }
        assertArrayEquals(a, b);
        Nabla.manualSeed(9);
        float[] c = Functional.dropout(x, 0.5, true).toFloatArray();
        float[] d = Functional.dropout(x, 0.5, true).toFloatArray(); // the stream moved on
        Nabla.manualSeed(9);
        assertArrayEquals(c, Functional.dropout(x, 0.5, true).toFloatArray());
        assertNotEquals(Arrays.toString(c), Arrays.toString(d));
    }

    @Test
    void dropoutEdgeCases() {
        Tensor x = Tensor.of(new float[] {1, -2, 3});
        assertArrayEquals(x.toFloatArray(), Functional.dropout(x, 0.9, false).toFloatArray()); // eval: identity
        assertArrayEquals(x.toFloatArray(), Functional.dropout(x, 0.0, true).toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0}, Functional.dropout(x, 1.0, true).toFloatArray(), 0f); // -2 * 0 = -0
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, 1.5, true));
        assertTrue(e.getMessage().contains("dropout probability has to be between 0 and 1"), e.getMessage());
    }

    @Test
    void embeddingGathersRowsAndAddsRepeatedGradients() {
        // weight row r = [10 r, 10 r + 1]
        Tensor w = Tensor.of(new double[] {0, 1, 10, 11, 20, 21}, 3, 2).requiresGrad(true);
        Tensor y = Functional.embedding(longs(new long[] {2, 2}, 2, 0, 2, 2), w);
        assertEquals(Shape.of(2, 2, 2), y.shape());
        assertArrayEquals(new double[] {20, 21, 0, 1, 20, 21, 20, 21}, y.toDoubleArray());
        y.sum().backward();
        // d sum / d w[r] = how often r was looked up: row 0 once, row 1 never, row 2 three times.
        assertArrayEquals(new double[] {1, 1, 0, 0, 3, 3}, w.grad().toDoubleArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.embedding(longs(new long[] {1}, 3), w));
        assertTrue(e.getMessage().contains("index out of range in self"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.embedding(Tensor.of(new float[] {1}), w));
        assertTrue(e.getMessage().contains("'indices'"), e.getMessage());
    }

    @Test
    void oneHotEncodes() {
        Tensor h = Functional.oneHot(longs(new long[] {3}, 1, 0, 3));
        assertEquals(DType.INT64, h.dtype());
        assertEquals(Shape.of(3, 4), h.shape()); // 4 = max + 1 classes
        assertArrayEquals(new double[] {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1}, h.to(DType.FLOAT64).toDoubleArray());
        assertEquals(Shape.of(3, 6), Functional.oneHot(longs(new long[] {3}, 1, 0, 3), 6).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.oneHot(longs(new long[] {2}, 1, 5), 3));
        assertTrue(e.getMessage().contains("Class values must be smaller than num_classes"), e.getMessage());
    }
}
