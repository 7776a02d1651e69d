package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RMSprop against PyTorch's update rule (torch.optim.RMSprop):
 * v ← αv + (1-α)g²; [ḡ ← αḡ + (1-α)g; avg = sqrt(v - ḡ²)] else avg = sqrt(v); avg += ε;
 * momentum: b ← μb + g/avg, θ ← θ - γb; else θ ← θ - γg/avg.
 */
class RMSpropTest extends OptimTestBase {
    private static final double TOL = 1e-12;

    @Test
    void defaultStep() {
        Tensor p = param(1);
        try (RMSprop opt = new RMSprop(List.of(p))) {
            setGrad(p, 0.5);
            opt.step();
            // v = 0.01·0.25 = 0.0025; avg = 0.05 + 1e-8; θ = 1 - 0.01·0.5/(0.05 + 1e-8) ≈ 0.9
            assertValues(new double[] {0.0025}, opt.state(p).get("square_avg"), TOL);
            assertValues(new double[] {1 - 0.01 * 0.5 / (0.05 + 1e-8)}, p, TOL);
        }
    }

    @Test
    void stridedParameterStepsLikeAContiguousOne() {
        assertStridedParamStepsLikeContiguous(p -> new RMSprop(List.of(p),
                RMSprop.options().centered(true).momentum(0.9).weightDecay(0.01)));
    }

    @Test
    void centered() {
        Tensor p = param(1);
        try (RMSprop opt = new RMSprop(List.of(p), RMSprop.options().centered(true))) {
            setGrad(p, 0.5);
            opt.step();
            // v = 0.0025, ḡ = 0.01·0.5 = 0.005; avg = sqrt(0.0025 - 0.000025) + 1e-8 = sqrt(0.002475) + 1e-8
            // θ = 1 - 0.01·0.5/avg = 0.8994962
            assertValues(new double[] {0.005}, opt.state(p).get("grad_avg"), TOL);
            assertValues(new double[] {1 - 0.01 * 0.5 / (Math.sqrt(0.002475) + 1e-8)}, p, TOL);
        }
    }

    @Test
    void momentumTwoSteps() {
        Tensor p = param(1);
        try (RMSprop opt = new RMSprop(List.of(p), RMSprop.options().momentum(0.9))) {
            setGrad(p, 0.5);
            opt.step();
            // v = 0.0025; b = 0.9·0 + 0.5/(0.05 + 1e-8) ≈ 10; θ = 1 - 0.01·b ≈ 0.9
            setGrad(p, -1);
            opt.step();
            // v = 0.99·0.0025 + 0.01·1 = 0.012475; avg = 0.1116915; b = 0.9·10 - 1/0.1116915 = 0.0467694
            // θ = 0.9 - 0.01·0.0467694 = 0.8995323
            assertValues(new double[] {0.012475}, opt.state(p).get("square_avg"), TOL);
            assertValues(new double[] {0.04676938088658922}, opt.state(p).get("momentum_buffer"), 1e-9);
            assertValues(new double[] {0.8995323261911301}, p, 1e-10);
        }
    }

    @Test
    void weightDecay() {
        Tensor p = param(2);
        try (RMSprop opt = new RMSprop(List.of(p), RMSprop.options().lr(0.1).weightDecay(0.5))) {
            setGrad(p, 1);
            opt.step();
            // g = 1 + 0.5·2 = 2; v = 0.01·4 = 0.04; θ = 2 - 0.1·2/(0.2 + 1e-8)
            assertValues(new double[] {2 - 0.1 * 2 / (0.2 + 1e-8)}, p, TOL);
        }
    }
}
