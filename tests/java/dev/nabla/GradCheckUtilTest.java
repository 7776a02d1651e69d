package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The public GradCheck: what passes, what fails and what a failure reports. */
class GradCheckUtilTest extends NablaTestBase {

    private static Tensor leaf(double[] values, long... shape) {
        return Tensor.of(values, shape).requiresGrad(true);
    }

    @Test
    void correctGradientsPass() {
        Tensor a = randn(1, 3, 4).requiresGrad(true);
        Tensor b = randn(2, 4, 2).requiresGrad(true);
        GradCheck.check(x -> x[0].matmul(x[1]).pow(2), a, b);
        GradCheck.check(x -> x[0].div(x[1].pow(2).add(1)).sum(1, false), a, randn(3, 4).requiresGrad(true));
        // The inputs are left alone: no .grad, same values.
        assertNull(a.grad());
        assertNull(b.grad());
        assertArrayEquals(randn(1, 3, 4).toDoubleArray(), a.toDoubleArray());
    }

    @Test
    void inputsThatDoNotRequireGradAreConstants() {
        Tensor x = randn(4, 2, 3).requiresGrad(true);
        Tensor c = randn(5, 2, 3); // float64, not checked
        Tensor k = Tensor.arange(0, 3, 1, DType.INT64); // not floating: passed through
        GradCheck.check(in -> in[0].mul(in[1]).add(in[2].to(DType.FLOAT64)), x, c, k);
    }

    @Test
    void aWrongGradientIsReportedAtItsWorstElement() {
        // f(a, x) = sum(a * detach(x) * x): d/dx = 2 a x, but backward sees only a * x (half of it).
        // With a = 1 the error |a x| is largest where |x| is: x[0, 1] = -3.
        Tensor a = Tensor.ones(DType.FLOAT64, 2, 2).requiresGrad(true);
        Tensor x = leaf(new double[] {0.5, -3, 1, 2}, 2, 2);
        GradCheckException e = assertThrows(GradCheckException.class,
                () -> GradCheck.check(in -> in[0].mul(in[1].detach().mul(in[1])).sum(), a, x));
        assertEquals(1, e.order());
        assertEquals(1, e.inputIndex(), "input 0 (a) has the right gradient x^2: " + e.getMessage());
        assertArrayEquals(new long[] {0, 1}, e.elementIndex());
        assertEquals(4, e.mismatches());
        // The output is a scalar, weighted by one random w: analytic w * x, numerical 2 w x.
        assertEquals(2 * e.analytic(), e.numerical(), 1e-6 * Math.abs(e.numerical()));
        assertEquals(GradCheck.DEFAULT_ATOL + GradCheck.DEFAULT_RTOL * Math.abs(e.numerical()), e.tolerance(), 1e-12);
        String m = e.getMessage();
        assertTrue(m.contains("input 1") && m.contains("(shape [2, 2])") && m.contains("element [0, 1]"), m);
        assertTrue(m.contains("backward gives " + e.analytic()) && m.contains("central differences give " + e.numerical()), m);
        assertTrue(m.contains("tolerance " + e.tolerance()), m);
        assertTrue(e instanceof AssertionError);
    }

    @Test
    void theDetachTrickOnANonScalarOutput() {
        Tensor x = randn(7, 5, 3).requiresGrad(true);
        GradCheckException e = assertThrows(GradCheckException.class,
                () -> GradCheck.options().name("detach lies").check(in -> in[0].detach().mul(in[0]), x));
        assertEquals(0, e.inputIndex());
        assertTrue(e.getMessage().startsWith("detach lies: gradient of input 0 (shape [5, 3])"), e.getMessage());
        assertEquals(2, e.elementIndex().length);
    }

    @Test
    void tolerancesAreOptions() {
        // f(x) = x + 0.01 detach(x): the value changes by 1.01 dx, backward says 1.
        java.util.function.Function<Tensor[], Tensor> slightlyOff = in -> in[0].add(in[0].detach().mul(0.01));
        Tensor x = randn(8, 4).requiresGrad(true);
        assertThrows(GradCheckException.class, () -> GradCheck.check(slightlyOff, x));
        GradCheck.options().rtol(0.05).check(slightlyOff, x);
        GradCheck.options().atol(0.1).rtol(0).check(slightlyOff, x);
        GradCheck.options().eps(1e-4).rtol(0.05).check(slightlyOff, x);
        assertThrows(IllegalArgumentException.class, () -> GradCheck.options().eps(0));
        assertThrows(IllegalArgumentException.class, () -> GradCheck.options().atol(-1));
    }

    @Test
    void badInputsAreArgumentErrors() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.check(in -> in[0].mul(2), randn(9, 3)));
        assertTrue(none.getMessage().contains("no input requires grad"), none.getMessage());
        IllegalArgumentException f32 = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.check(in -> in[0].mul(2), Tensor.ones(3).requiresGrad(true)));
        assertTrue(f32.getMessage().contains("torch.float32") && f32.getMessage().contains("float64"), f32.getMessage());
    }

    @Test
    void secondOrderPassesForCorrectGraphs() {
        Tensor a = randn(10, 2, 3).requiresGrad(true);
        Tensor b = randn(11, 3, 2).requiresGrad(true);
        GradCheck.checkSecondOrder(x -> x[0].pow(3), a);
        // The second backward runs through forward nodes whose saved tensors the first one used.
        GradCheck.checkSecondOrder(x -> x[0].mul(x[0]).pow(2).mul(x[0]), a);
        GradCheck.checkSecondOrder(x -> x[0].matmul(x[1]).pow(2).sum(), a, b);
        GradCheck.checkSecondOrder(x -> x[0].mul(x[0]).div(x[1].t().pow(2).add(1)), a, b);
        // Linear: the second derivatives are all zero, and no graph reaches them.
        GradCheck.checkSecondOrder(x -> x[0].mul(3).add(1), a);
    }

    @Test
    void aWrongSecondDerivativeIsReported() {
        // f(x) = x * detach(x) - detach(x)^2 / 2 has the value x^2 / 2 and backward's gradient
        // detach(x) = x, right; but that gradient does not depend on x in the graph, so the second
        // derivative is 0 where it should be 1.
        java.util.function.Function<Tensor[], Tensor> f =
                in -> in[0].mul(in[0].detach()).sub(in[0].detach().pow(2).mul(0.5));
        Tensor x = randn(12, 2, 3).requiresGrad(true);
        GradCheck.check(f, x);
        GradCheckException e = assertThrows(GradCheckException.class, () -> GradCheck.checkSecondOrder(f, x));
        assertEquals(2, e.order());
        assertEquals(0, e.inputIndex());
        assertEquals(0.0, e.analytic());
        assertTrue(e.getMessage().contains("second-order"), e.getMessage());
    }
}
