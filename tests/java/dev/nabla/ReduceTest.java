package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-checked values, gradients and errors of the reductions, softmax and linear-algebra family. */
class ReduceTest extends NablaTestBase {

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected \"" + p + "\" in: " + message);
        }
    }

    private static long[] longs(Tensor t) {
        double[] d = t.to(DType.FLOAT64).toDoubleArray();
        long[] r = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (long) d[i];
        }
        return r;
    }

    @Test
    void prodAndItsGradientWithZeros() {
        Tensor x = Tensor.of(new double[] {2, 3, 4}).requiresGrad(true);
        // prod = 24; d/dx_i = product of the others = {12, 8, 6}
        Tensor p = x.prod();
        assertEquals(24.0, p.item());
        p.backward();
        assertArrayEquals(new double[] {12, 8, 6}, x.grad().toDoubleArray(), 0);

        Tensor z = Tensor.of(new double[] {2, 0, 4}).requiresGrad(true);
        // one zero: only it gets a gradient, the product of the others 2 * 4 = 8 (not 0/0)
        z.prod().backward();
        assertArrayEquals(new double[] {0, 8, 0}, z.grad().toDoubleArray(), 0);

        Tensor zz = Tensor.of(new double[] {0, 3, 0}).requiresGrad(true);
        // two zeros: every product of the others contains a zero
        zz.prod().backward();
        assertArrayEquals(new double[] {0, 0, 0}, zz.grad().toDoubleArray(), 0);

        Tensor m = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(new double[] {4, 10, 18}, m.prod(0, false).toDoubleArray(), 0);
        assertEquals(Shape.of(2, 1), m.prod(1, true).shape());
        assertArrayEquals(new double[] {6, 120}, m.prod(-1, true).toDoubleArray(), 0);
        assertEquals(1.0, Tensor.zeros(0).prod().item()); // the empty product
    }

    @Test
    void maxAndMinOverADimGiveValuesAndIndices() {
        Tensor x = Tensor.of(new double[][] {{1, 5, 2}, {7, 3, 7}}).requiresGrad(true);
        try (ValuesIndices r = x.max(1, false)) {
            assertArrayEquals(new double[] {5, 7}, r.values().toDoubleArray(), 0);
            assertEquals(DType.INT64, r.indices().dtype());
            assertArrayEquals(new long[] {1, 0}, longs(r.indices())); // the first of the tied 7s
            assertEquals("MaxBackward0", r.values().gradFn());
            // the gradient goes to the chosen index only, even with a tie
            r.values().sum().backward();
            assertArrayEquals(new double[] {0, 1, 0, 1, 0, 0}, x.grad().toDoubleArray(), 0);
            assertTrue(r.indices().isLeaf());
            assertNull(r.indices().gradFn());
        }
        ValuesIndices mn = x.min(0, true);
        assertEquals(Shape.of(1, 3), mn.values().shape());
        assertArrayEquals(new double[] {1, 3, 2}, mn.values().toDoubleArray(), 0);
        assertArrayEquals(new long[] {0, 1, 0}, longs(mn.indices()));
        assertEquals(7.0, x.max().item());
        assertEquals(1.0, x.min().item());
    }

    @Test
    void tiesShareTheGradientEvenly() {
        Tensor x = Tensor.of(new double[] {3, 1, 3, 3}).requiresGrad(true);
        // max over everything: three elements equal the max 3, each gets 1/3 (evenly_distribute_backward)
        x.max().backward();
        assertArrayEquals(new double[] {1 / 3.0, 0, 1 / 3.0, 1 / 3.0}, x.grad().toDoubleArray(), 1e-15);

        Tensor y = Tensor.of(new double[][] {{2, 2}, {1, 5}}).requiresGrad(true);
        // amax over dim 1: row 0 ties (1/2 each), row 1 picks 5
        y.amax(new int[] {1}, false).sum().backward();
        assertArrayEquals(new double[] {0.5, 0.5, 0, 1}, y.grad().toDoubleArray(), 0);

        Tensor z = Tensor.of(new double[] {-4, 4, 1}).requiresGrad(true);
        // inf-norm = 4, reached by |-4| and |4|: gradient sign(x) / 2 there
        z.norm(Double.POSITIVE_INFINITY).backward();
        assertArrayEquals(new double[] {-0.5, 0.5, 0}, z.grad().toDoubleArray(), 0);
    }

    @Test
    void amaxAminArgmaxArgmin() {
        Tensor x = Tensor.of(new double[] {1, 9, 2, 8, 0, 3}, 2, 3);
        assertArrayEquals(new double[] {9, 8}, x.amax(new int[] {1}, false).toDoubleArray(), 0);
        assertEquals(Shape.of(1, 1), x.amax(new int[] {0, 1}, true).shape());
        assertEquals(9.0, x.amax(new int[0], false).item());
        assertArrayEquals(new double[] {1, 0, 2}, x.amin(new int[] {0}, false).toDoubleArray(), 0);
        // argmax over everything is the row-major flat index
        assertEquals(DType.INT64, x.argmax().dtype());
        assertArrayEquals(new long[] {1}, longs(x.argmax()));
        assertArrayEquals(new long[] {4}, longs(x.argmin()));
        assertArrayEquals(new long[] {1, 0}, longs(x.argmax(1, false)));
        assertEquals(Shape.of(1, 3), x.argmin(0, true).shape());
        assertArrayEquals(new long[] {0, 1, 0}, longs(x.argmin(0, true)));
    }

    @Test
    void nanWinsMaxAndArgmax() {
        Tensor x = Tensor.of(new double[] {1, Double.NaN, 3});
        assertTrue(Double.isNaN(x.max().item()));
        assertTrue(Double.isNaN(x.min().item()));
        assertArrayEquals(new long[] {1}, longs(x.argmax()));
    }

    @Test
    void varAndStd() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}).requiresGrad(true);
        // mean 2.5, squared deviations sum 5: var = 5/3 (correction 1), 5/4 (correction 0)
        assertEquals(5 / 3.0, x.var().item(), 1e-15);
        assertEquals(1.25, x.var(new int[0], 0, false).item(), 1e-15);
        assertEquals(Math.sqrt(5 / 3.0), x.std().item(), 1e-15);
        // d var / dx = 2 (x - mean) / (N - 1) = {-1, -1/3, 1/3, 1}
        x.var().backward();
        assertArrayEquals(new double[] {-1, -1 / 3.0, 1 / 3.0, 1}, x.grad().toDoubleArray(), 1e-15);
        Tensor m = Tensor.of(new double[][] {{1, 3}, {2, 2}});
        assertArrayEquals(new double[] {2, 0}, m.var(new int[] {1}, 1, false).toDoubleArray(), 0);
        assertEquals(Shape.of(2, 1), m.std(new int[] {-1}, 1, true).shape());
        // one element with correction 1: 0 / 0 = NaN, as in PyTorch
        assertTrue(Double.isNaN(Tensor.of(new double[] {5}).var().item()));

        Tensor c = Tensor.of(new double[] {2, 2, 2}).requiresGrad(true);
        // std = 0: its gradient is masked to 0 instead of 0 / 0
        c.std().backward();
        assertArrayEquals(new double[] {0, 0, 0}, c.grad().toDoubleArray(), 0);
    }

    @Test
    void norms() {
        Tensor x = Tensor.of(new double[] {3, -4}).requiresGrad(true);
        assertEquals(7.0, x.norm(1).item());
        assertEquals(5.0, x.norm(2).item());
        assertEquals(4.0, x.norm(Double.POSITIVE_INFINITY).item());
        // d |x|_2 / dx = x / |x|_2 = {0.6, -0.8}
        x.norm(2).backward();
        assertArrayEquals(new double[] {0.6, -0.8}, x.grad().toDoubleArray(), 1e-15);

        Tensor zero = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
        // at 0 the 2-norm's subgradient is 0 (PyTorch masks the 0/0)
        zero.norm(2).backward();
        assertArrayEquals(new double[] {0, 0, 0}, zero.grad().toDoubleArray(), 0);

        Tensor m = Tensor.of(new double[][] {{3, 4}, {-1, 1}});
        assertArrayEquals(new double[] {7, 2}, m.norm(1, new int[] {1}, false).toDoubleArray(), 0);
        assertEquals(Shape.of(1, 2), m.norm(2, new int[] {0}, true).shape());
    }

    @Test
    void logsumexpIsStable() {
        Tensor x = Tensor.of(new double[] {1000, 1000}).requiresGrad(true);
        // log(2 e^1000) = 1000 + log 2; naive exp(1000) would overflow
        Tensor l = x.logsumexp(new int[] {0}, false);
        assertEquals(1000 + Math.log(2), l.item(), 1e-12);
        // d lse / dx = softmax(x) = {1/2, 1/2}
        l.backward();
        assertArrayEquals(new double[] {0.5, 0.5}, x.grad().toDoubleArray(), 1e-12); // exp(x - lse), lse rounded at 1000
        Tensor f = Tensor.of(new float[] {0, 0, 0}, 3);
        assertEquals((float) Math.log(3), (float) f.logsumexp(new int[0], false).item(), 1e-6);
    }

    @Test
    void softmaxAndLogSoftmax() {
        Tensor x = Tensor.of(new double[][] {{0, Math.log(3)}, {1000, 1000}}).requiresGrad(true);
        // row 0: e^0 : e^log3 = 1 : 3, so {1/4, 3/4}; row 1 is stable: {1/2, 1/2}
        Tensor y = x.softmax(1);
        assertArrayEquals(new double[] {0.25, 0.75, 0.5, 0.5}, y.toDoubleArray(), 1e-15);
        assertEquals("SoftmaxBackward0", y.gradFn());
        // weights w = {1, 0} on row 0: d(y0)/dx = y0 (delta - y) = {1/4 * 3/4, -1/4 * 3/4}
        y.mul(Tensor.of(new double[][] {{1, 0}, {0, 0}})).sum().backward();
        assertArrayEquals(new double[] {0.1875, -0.1875, 0, 0}, x.grad().toDoubleArray(), 1e-15);

        Tensor z = Tensor.of(new double[] {0, Math.log(3)}).requiresGrad(true);
        Tensor ls = z.logSoftmax(0);
        assertArrayEquals(new double[] {Math.log(0.25), Math.log(0.75)}, ls.toDoubleArray(), 1e-15);
        // d(sum log_softmax)/dx = 1 - softmax * 2 = {1 - 0.5, 1 - 1.5}
        ls.sum().backward();
        assertArrayEquals(new double[] {0.5, -0.5}, z.grad().toDoubleArray(), 1e-15);
        assertEquals(DType.FLOAT32, Tensor.ones(2, 3).softmax(-1).dtype());
    }

    @Test
    void theOutputIsNotSavedInItsOwnNode() {
        // softmax saves a detached alias of its output: closing the output frees the whole graph
        // (the per-test leak check fails otherwise), and an in-place change is caught.
        Tensor x = Tensor.randn(2, 3).requiresGrad(true);
        Tensor y = x.softmax(1);
        y.mulInPlace(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertContains(e.getMessage(), "modified by an inplace operation");
    }

    @Test
    void batchedMatmulAndFriends() {
        // [2, 1, 2] @ [2, 2] -> [2, 1, 2]; batch 0: {1, 2} @ I = {1, 2}; batch 1: {3, 4} @ I
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 1, 2);
        Tensor eye = Tensor.of(new double[][] {{1, 0}, {0, 1}});
        assertEquals(Shape.of(2, 1, 2), a.matmul(eye).shape());
        assertArrayEquals(new double[] {1, 2, 3, 4}, a.matmul(eye).toDoubleArray(), 0);
        // [j=2, 1, n=1, m=2] @ [k=3, m=2, p=1] -> [2, 3, 1, 1]
        Tensor b = Tensor.ones(DType.FLOAT64, 3, 2, 1);
        assertEquals(Shape.of(2, 3, 1, 1), a.reshape(2, 1, 1, 2).matmul(b).shape());
        assertArrayEquals(new double[] {3, 3, 3, 7, 7, 7}, a.reshape(2, 1, 1, 2).matmul(b).toDoubleArray(), 0);
        assertEquals(Shape.of(2, 1, 1), a.bmm(Tensor.ones(DType.FLOAT64, 2, 2, 1)).shape());
        Tensor u = Tensor.of(new double[] {1, 2});
        Tensor v = Tensor.of(new double[] {3, 4, 5});
        assertArrayEquals(new double[] {3, 4, 5, 6, 8, 10}, u.outer(v).toDoubleArray(), 0);
        assertEquals(11.0, u.dot(Tensor.of(new double[] {3, 4})).item()); // 3 + 8
        // linear: x [1, 2] @ w^T ([3, 2] -> [2, 3]) + b
        Tensor w = Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}});
        Tensor y = Tensor.linear(Tensor.of(new double[][] {{2, 5}}), w, Tensor.of(new double[] {1, 1, 1}));
        assertArrayEquals(new double[] {3, 6, 8}, y.toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 5, 7}, Tensor.linear(Tensor.of(new double[] {2, 5}), w, null).toDoubleArray(), 0);
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = Tensor.ones(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.max(2, false));
        assertContains(e.getMessage(), "max", "dimension out of range");
        e = assertThrows(IllegalArgumentException.class, () -> a.amax(new int[] {1, -1}, false));
        assertContains(e.getMessage(), "amax", "multiple times");
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0, 3).max());
        assertContains(e.getMessage(), "max", "[0, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> a.norm(3));
        assertContains(e.getMessage(), "norm", "1, 2 or inf");
        e = assertThrows(IllegalArgumentException.class, () -> a.var(new int[0], -1, false));
        assertContains(e.getMessage(), "var", "correction");
        e = assertThrows(IllegalArgumentException.class, () -> a.softmax(5));
        assertContains(e.getMessage(), "softmax", "dimension out of range");

        ShapeMismatchException s = assertThrows(ShapeMismatchException.class, () -> a.bmm(Tensor.ones(2, 3, 4)));
        assertContains(s.getMessage(), "bmm", "[2, 3]");
        s = assertThrows(ShapeMismatchException.class, () -> Tensor.ones(2, 3, 4).bmm(Tensor.ones(3, 4, 5)));
        assertContains(s.getMessage(), "bmm", "[2, 3, 4]", "[3, 4, 5]");
        s = assertThrows(ShapeMismatchException.class, () -> Tensor.ones(2, 3, 4).matmul(Tensor.ones(3, 4, 5)));
        assertContains(s.getMessage(), "matmul", "[2, 3, 4]", "[3, 4, 5]", "batch");
        s = assertThrows(ShapeMismatchException.class, () -> Tensor.ones(2, 3, 4).matmul(Tensor.ones(2, 5, 4)));
        assertContains(s.getMessage(), "matmul", "inner dimensions 4 and 5");
        s = assertThrows(ShapeMismatchException.class, () -> Tensor.ones(3).dot(Tensor.ones(4)));
        assertContains(s.getMessage(), "dot", "[3]", "[4]");
        s = assertThrows(ShapeMismatchException.class, () -> a.outer(Tensor.ones(4)));
        assertContains(s.getMessage(), "outer", "[2, 3]");
        s = assertThrows(ShapeMismatchException.class, () -> Tensor.linear(a, Tensor.ones(4, 2), null));
        assertContains(s.getMessage(), "linear", "[2, 3]", "[4, 2]");
    }
}
