package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Creation, queries and copies out. */
class FactoryTest extends NablaTestBase {

    @Test
    void constantFactories() {
        Tensor z = Tensor.zeros(2, 3);
        assertEquals(Shape.of(2, 3), z.shape());
        assertEquals(DType.FLOAT32, z.dtype());
        assertEquals(2, z.dim());
        assertEquals(6, z.numel());
        assertEquals(3, z.size(-1));
        assertArrayEquals(new float[6], z.toFloatArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(DType.FLOAT64, 2).toDoubleArray());
        assertEquals(DType.FLOAT64, Tensor.zeros(DType.FLOAT64, 1).dtype());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, 2).toFloatArray());
        assertEquals(DType.INT64, Tensor.full(7, DType.INT64, 2).dtype());
        Tensor s = Tensor.scalar(2.5);
        assertEquals(0, s.dim());
        assertEquals(Shape.of(), s.shape());
        assertEquals(1, s.numel());
        assertEquals(2.5, s.item());
    }

    @Test
    void ofCopiesJavaArrays() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(Shape.of(2, 3), a.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toFloatArray());
        Tensor v = Tensor.of(new float[] {1, 2});
        assertEquals(Shape.of(2), v.shape());
        Tensor d = Tensor.of(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        assertEquals(Shape.of(3, 2), d.shape());
        assertEquals(DType.FLOAT64, d.dtype());
        assertEquals(5.0, d.data().getAtIndex(JAVA_DOUBLE, 4));
        Tensor f = Tensor.of(new float[][] {{1, 2, 3}});
        assertEquals(Shape.of(1, 3), f.shape());
        assertEquals(DType.FLOAT32, f.dtype());
    }

    @Test
    void arange() {
        assertArrayEquals(new float[] {0, 1, 2}, Tensor.arange(3).toFloatArray());
        assertArrayEquals(new float[] {1, 1.5f, 2, 2.5f}, Tensor.arange(1, 3, 0.5).toFloatArray());
        assertArrayEquals(new float[] {3, 2, 1}, Tensor.arange(3, 0, -1).toFloatArray());
        Tensor i = Tensor.arange(0, 4, 1, DType.INT64);
        assertEquals(DType.INT64, i.dtype());
        assertArrayEquals(new double[] {0, 1, 2, 3}, i.toDoubleArray());
    }

    @Test
    void randomTensorsAreReproducibleFromASeed() {
        double[] a;
        double[] b;
        try (Generator g = new Generator(42)) {
            a = Tensor.randn(g, DType.FLOAT64, 100).toDoubleArray();
            g.manualSeed(42);
            b = Tensor.randn(g, DType.FLOAT64, 100).toDoubleArray();
        }
        assertArrayEquals(a, b);
        Nabla.manualSeed(7);
        float[] c = Tensor.randn(3, 4).toFloatArray();
        Nabla.manualSeed(7);
        assertArrayEquals(c, Tensor.randn(3, 4).toFloatArray());
        assertFalse(java.util.Arrays.equals(c, Tensor.randn(3, 4).toFloatArray()));

        double mean = 0;
        for (double v : a) {
            mean += v / a.length;
        }
        assertTrue(Math.abs(mean) < 0.5, "mean of 100 normal samples: " + mean);

        Nabla.manualSeed(0);
        for (float u : Tensor.rand(1000).toFloatArray()) {
            assertTrue(u >= 0 && u < 1, "uniform sample out of [0, 1): " + u);
        }
        try (Generator g = new Generator(1)) {
            assertEquals(DType.FLOAT64, Tensor.rand(g, DType.FLOAT64, 2).dtype());
        }
    }

    @Test
    void aClosedGeneratorThrows() {
        Generator g = new Generator(1);
        g.close();
        assertThrows(IllegalStateException.class, () -> Tensor.randn(g, DType.FLOAT32, 2));
    }

    @Test
    void copiesOutWorkForAnyLayout() {
        Tensor t = Tensor.arange(6).reshape(2, 3).transpose(0, 1);
        assertFalse(t.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.toDoubleArray());
        Tensor e = Tensor.of(new float[] {1, 2}).reshape(2, 1).expand(2, 3);
        assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, e.toFloatArray());
    }

    @Test
    void shapeIsAValue() {
        Shape s = Shape.of(2, 3);
        assertEquals(Shape.of(2, 3), s);
        assertEquals(Shape.of(2, 3).hashCode(), s.hashCode());
        assertNotEquals(Shape.of(3, 2), s);
        assertEquals("[2, 3]", s.toString());
        assertEquals("[]", Shape.of().toString());
        assertEquals(6, s.numel());
        assertEquals(2, s.rank());
        long[] dims = s.dims();
        dims[0] = 99;
        assertEquals(2, s.size(0), "dims() returns a copy");
        assertThrows(IllegalArgumentException.class, () -> Shape.of(-1));
    }

    @Test
    void opsKeepShapesAndDtypes() {
        Tensor a = Tensor.ones(2, 3);
        assertEquals(Shape.of(3, 2), a.t().shape());
        assertEquals(Shape.of(3), a.sum(0, false).shape());
        assertEquals(Shape.of(1, 3), a.sum(0, true).shape());
        assertEquals(Shape.of(), a.sum().shape());
        assertEquals(Shape.of(2, 1), a.mean(new int[] {1}, true).shape());
        assertEquals(Shape.of(4, 2, 3), a.expand(4, 2, 3).shape());
        assertEquals(Shape.of(6), a.view(6).shape());
        assertEquals(Shape.of(3, 2), a.reshape(-1, 2).shape());
        assertEquals(Shape.of(2, 4), a.matmul(Tensor.ones(3, 4)).shape());
        assertEquals(Shape.of(4), Tensor.ones(3).matmul(Tensor.ones(3, 4)).shape());
        assertEquals(Shape.of(), Tensor.ones(3).matmul(Tensor.ones(3)).shape());
        assertEquals(DType.FLOAT64, a.to(DType.FLOAT64).dtype());
        assertEquals(Shape.of(3), Tensor.ones(3).t().shape());
    }
}
