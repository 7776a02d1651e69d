package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** clip_grad_norm_ and clip_grad_value_: clip_coef = max_norm / (total_norm + 1e-6), clamped to 1. */
class GradClipTest extends OptimTestBase {

    @Test
    void twoNormScalesAllGradientsTogether() {
        Tensor a = param(0, 0);
        Tensor b = param(0);
        setGrad(a, 3, 4);
        setGrad(b, 12);
        double total = GradClip.clipGradNorm(List.of(a, b), 1.3);
        // total = sqrt(9 + 16 + 144) = 13; coef = 1.3 / (13 + 1e-6)
        assertEquals(13, total, 1e-12);
        double coef = 1.3 / (13 + 1e-6);
        assertValues(new double[] {3 * coef, 4 * coef}, a.grad(), 1e-12);
        assertValues(new double[] {12 * coef}, b.grad(), 1e-12);
    }

    @Test
    void gradientsUnderTheLimitStayAsTheyAre() {
        Tensor a = param(0, 0);
        setGrad(a, 3, 4);
        assertEquals(5, GradClip.clipGradNorm(List.of(a), 100, 2), 1e-12);
        // coef = min(100 / 5.000001, 1) = 1
        assertValues(new double[] {3, 4}, a.grad(), 0);
    }

    @Test
    void infinityNormIsTheLargestMagnitude() {
        Tensor a = param(0, 0);
        Tensor b = param(0);
        setGrad(a, 3, -4);
        setGrad(b, 2);
        double total = GradClip.clipGradNorm(List.of(a, b), 2, Double.POSITIVE_INFINITY);
        // total = max(|3|, |-4|, |2|) = 4; coef = 2 / (4 + 1e-6)
        assertEquals(4, total, 0);
        double coef = 2 / (4 + 1e-6);
        assertValues(new double[] {3 * coef, -4 * coef}, a.grad(), 1e-12);
        assertValues(new double[] {2 * coef}, b.grad(), 1e-12);
    }

    @Test
    void oneNormAndOtherP() {
        Tensor a = param(0, 0);
        Tensor b = param(0);
        setGrad(a, 3, -4);
        setGrad(b, 12);
        // p = 1: 3 + 4 + 12 = 19 (no clipping at max_norm 100)
        assertEquals(19, GradClip.clipGradNorm(List.of(a, b), 100, 1), 1e-12);
        // p = 3: (27 + 64 + 1728)^(1/3) = 1819^(1/3)
        assertEquals(Math.cbrt(1819), GradClip.clipGradNorm(List.of(a, b), 100, 3), 1e-9);
    }

    @Test
    void parametersWithoutGradientsAreSkipped() {
        Tensor a = param(0);
        Tensor b = param(0, 0);
        assertEquals(0, GradClip.clipGradNorm(List.of(a, b), 1), 0);
        setGrad(b, 6, 8);
        assertEquals(10, GradClip.clipGradNorm(List.of(a, b), 5), 1e-12);
        assertEquals(null, a.grad());
    }

    @Test
    void nanPropagates() {
        Tensor a = param(0, 0);
        setGrad(a, Double.NaN, 1);
        assertTrue(Double.isNaN(GradClip.clipGradNorm(List.of(a), 1)));
        assertTrue(Double.isNaN(a.grad().toDoubleArray()[1]));
    }

    @Test
    void clipGradValueClampsElements() {
        Tensor a = param(0, 0, 0, 0);
        Tensor f = Tensor.of(new float[] {0, 0}, 2).requiresGrad(true);
        setGrad(a, -3, 0.5, 2, Double.NaN);
        f.mul(Tensor.of(new float[] {5, -0.25f}, 2)).sum().backward();
        long version = a.grad().version();
        GradClip.clipGradValue(List.of(a, f, param(1)), 1);
        assertTrue(a.grad().version() > version, "clamp_ in place bumps the gradient's version");
        // clamp(g, -1, 1); NaN stays NaN
        assertValues(new double[] {-1, 0.5, 1, Double.NaN}, a.grad(), 0);
        assertValues(new double[] {1, -0.25}, f.grad(), 0);
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradValue(List.of(a), -1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(List.of(a), 1, 0));
    }
}
