package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Small hand-checked gradients, each with its derivative written next to the expected values. */
class KnownValuesTest extends NablaTestBase {

    @Test
    void polynomial() {
        Tensor x = Tensor.of(new double[] {-1, 0, 3}).requiresGrad(true);
        // y = x^2 + 5x, so dy/dx = 2x + 5
        x.pow(2).add(x.mul(5)).sum().backward();
        assertArrayEquals(new double[] {3, 5, 11}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void headerExample() {
        Tensor x = Tensor.full(3, 1).requiresGrad(true);
        // y = a x^2 + b with a = 2, b = 1: y = 19 and dy/dx = 2 a x = 12
        Tensor y = x.pow(2).mul(2).add(1).sum();
        assertEquals(19.0, y.item());
        y.backward();
        assertEquals(12.0, x.grad().item());
    }

    @Test
    void productRule() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {4, 5, 6}).requiresGrad(true);
        // y = sum(a * b), so dy/da = b and dy/db = a
        a.mul(b).sum().backward();
        assertArrayEquals(new float[] {4, 5, 6}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 2, 3}, b.grad().toFloatArray());
    }

    @Test
    void quotientAndReciprocal() {
        Tensor x = Tensor.of(new double[] {1, 2, 4}).requiresGrad(true);
        // y = sum(1 / x), so dy/dx = -1 / x^2
        x.rdiv(1).sum().backward();
        assertArrayEquals(new double[] {-1, -0.25, -0.0625}, x.grad().toDoubleArray(), 1e-12);
        x.zeroGrad();
        // y = sum(x / 4 - 2 / x), so dy/dx = 1/4 + 2 / x^2
        x.div(4).sub(x.rdiv(2)).sum().backward();
        assertArrayEquals(new double[] {2.25, 0.75, 0.375}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void broadcastGradientsAreSummedBack() {
        Tensor m = Tensor.ones(2, 3).requiresGrad(true);
        Tensor row = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        // y = sum(m + row) with row broadcast over 2 rows, so dy/drow = 2 and dy/dm = 1
        m.add(row).sum().backward();
        assertArrayEquals(new float[] {2, 2, 2}, row.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, m.grad().toFloatArray());
    }

    @Test
    void meanSpreadsTheGradientEvenly() {
        Tensor x = Tensor.ones(2, 4).requiresGrad(true);
        // y = mean(x) over 8 elements, so dy/dx = 1/8
        x.mean().backward();
        assertArrayEquals(new float[] {0.125f, 0.125f, 0.125f, 0.125f, 0.125f, 0.125f, 0.125f, 0.125f},
                x.grad().toFloatArray());
        x.zeroGrad();
        // y = sum(mean(x, dim 1)), so dy/dx = 1/4
        x.mean(1, false).sum().backward();
        assertEquals(0.25f, x.grad().toFloatArray()[5]);
    }

    @Test
    void matmul() {
        Tensor a = Tensor.of(new float[][] {{1, 2}, {3, 4}}).requiresGrad(true);
        Tensor b = Tensor.of(new float[][] {{5, 6}, {7, 8}}).requiresGrad(true);
        Tensor c = a.matmul(b);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c.toFloatArray());
        // y = sum(A B), so dy/dA = 1 B^T (row sums of B) and dy/dB = A^T 1 (column sums of A)
        c.sum().backward();
        assertArrayEquals(new float[] {11, 15, 11, 15}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {4, 4, 6, 6}, b.grad().toFloatArray());
    }

    @Test
    void subAndNeg() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        // y = sum(10 - x) + sum(-x) + sum(x - 3), so dy/dx = -1 - 1 + 1 = -1
        x.rsub(10).sum().add(x.neg().sum()).add(x.sub(3).sum()).backward();
        assertArrayEquals(new float[] {-1, -1}, x.grad().toFloatArray());
    }
}
