package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SGD against PyTorch's update rule (torch.optim.SGD):
 * g ← -g if maximize; g ← g + λθ; b ← g (first step) or μb + (1-τ)g; g ← g + μb (nesterov) or b; θ ← θ - γg.
 */
class SGDTest extends OptimTestBase {
    private static final double TOL = 1e-12;

    @Test
    void plainStep() {
        Tensor p = param(1, -2);
        try (SGD opt = new SGD(List.of(p), 0.1)) {
            setGrad(p, 0.5, 1);
            opt.step();
            // θ - γg = [1 - 0.1·0.5, -2 - 0.1·1]
            assertValues(new double[] {0.95, -2.1}, p, TOL);
        }
    }

    @Test
    void momentumWithDampeningTwoSteps() {
        Tensor p = param(1, -2);
        try (SGD opt = new SGD(List.of(p), SGD.options().lr(0.1).momentum(0.9).dampening(0.1))) {
            setGrad(p, 0.5, 1);
            opt.step();
            // step 1: b = g = [0.5, 1] (no dampening on the first step); θ = [1 - 0.05, -2 - 0.1]
            assertValues(new double[] {0.5, 1}, opt.state(p).get("momentum_buffer"), TOL);
            assertValues(new double[] {0.95, -2.1}, p, TOL);
            setGrad(p, 1, -1);
            opt.step();
            // step 2: b = 0.9·[0.5, 1] + 0.9·[1, -1] = [1.35, 0]; θ = [0.95 - 0.135, -2.1 - 0]
            assertValues(new double[] {1.35, 0}, opt.state(p).get("momentum_buffer"), TOL);
            assertValues(new double[] {0.815, -2.1}, p, TOL);
            assertEquals(2, opt.state(p).step());
        }
    }

    @Test
    void nesterovWithWeightDecayTwoSteps() {
        Tensor p = param(1, -2);
        SGD.Options o = SGD.options().lr(0.1).momentum(0.9).nesterov(true).weightDecay(0.01);
        try (SGD opt = new SGD(List.of(p), o)) {
            setGrad(p, 0.5, 1);
            opt.step();
            // g = [0.5, 1] + 0.01·[1, -2] = [0.51, 0.98]; b = g; g = g + 0.9b = 1.9·[0.51, 0.98] = [0.969, 1.862]
            // θ = [1 - 0.0969, -2 - 0.1862]
            assertValues(new double[] {0.9031, -2.1862}, p, TOL);
            setGrad(p, 1, -1);
            opt.step();
            // g = [1, -1] + 0.01·[0.9031, -2.1862] = [1.009031, -1.021862]
            // b = 0.9·[0.51, 0.98] + g = [1.468031, -0.139862]
            // g = g + 0.9b = [2.3302589, -1.1477378]; θ = [0.9031 - 0.23302589, -2.1862 + 0.11477378]
            assertValues(new double[] {1.468031, -0.139862}, opt.state(p).get("momentum_buffer"), TOL);
            assertValues(new double[] {0.67007411, -2.07142622}, p, TOL);
        }
    }

    @Test
    void maximizeNegatesTheGradientBeforeWeightDecay() {
        Tensor p = param(1);
        try (SGD opt = new SGD(List.of(p), SGD.options().lr(0.1).weightDecay(0.1).maximize(true))) {
            setGrad(p, 0.5);
            opt.step();
            // g = -0.5 + 0.1·1 = -0.4; θ = 1 - 0.1·(-0.4) = 1.04
            assertValues(new double[] {1.04}, p, TOL);
        }
    }

    @Test
    void stridedParameterStepsLikeAContiguousOne() {
        assertStridedParamStepsLikeContiguous(p -> new SGD(List.of(p),
                SGD.options().lr(0.1).momentum(0.9).nesterov(true).weightDecay(0.01)));
        assertStridedParamStepsLikeContiguous(p -> new SGD(List.of(p), SGD.options().lr(0.1).maximize(true)));
    }

    @Test
    void validation() {
        Tensor p = param(1);
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -1));
        assertTrue(e.getMessage().contains("SGD") && e.getMessage().contains("learning rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SGD(List.of(p), SGD.options().nesterov(true)));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
        assertTrue(e.getMessage().contains("empty parameter list"), e.getMessage());
        Tensor nonLeaf = p.mul(2);
        e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(nonLeaf), 0.1));
        assertTrue(e.getMessage().contains("non-leaf"), e.getMessage());
    }
}
