package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adam and AdamW against PyTorch's update rule (torch.optim.Adam / AdamW):
 * m ← β1m + (1-β1)g; v ← β2v + (1-β2)g²; [vmax ← max(vmax, v)];
 * θ ← θ - (γ/(1-β1^t))·m / (sqrt(v)/sqrt(1-β2^t) + ε); AdamW first θ ← θ(1 - γλ).
 */
class AdamTest extends OptimTestBase {
    private static final double TOL = 1e-12;

    @Test
    void stridedParameterStepsLikeAContiguousOne() {
        assertStridedParamStepsLikeContiguous(
                p -> new Adam(List.of(p), Adam.options().lr(0.1).amsgrad(true).weightDecay(0.01)));
        assertStridedParamStepsLikeContiguous(p -> new AdamW(List.of(p), Adam.options().lr(0.1).weightDecay(0.01)));
    }

    @Test
    void firstStepMovesEachCoordinateByLr() {
        Tensor p = param(1, 1);
        try (Adam opt = new Adam(List.of(p), Adam.options().lr(0.1))) {
            setGrad(p, 0.5, -2);
            opt.step();
            // m = 0.1g, v = 0.001g², m̂ = m/0.1 = g, v̂ = v/0.001 = g²: θ -= 0.1·g/(|g| + 1e-8)
            assertValues(new double[] {1 - 0.1 * 0.5 / (0.5 + 1e-8), 1 + 0.1 * 2 / (2 + 1e-8)}, p, TOL);
            assertValues(new double[] {0.05, -0.2}, opt.state(p).get("exp_avg"), TOL);
            assertValues(new double[] {0.00025, 0.004}, opt.state(p).get("exp_avg_sq"), TOL);
        }
    }

    @Test
    void secondStepUsesBiasCorrection() {
        Tensor p = param(1, 1);
        try (Adam opt = new Adam(List.of(p), Adam.options().lr(0.1))) {
            setGrad(p, 0.5, -2);
            opt.step();
            setGrad(p, 1, 1);
            opt.step();
            // m = 0.9·[0.05, -0.2] + 0.1·[1, 1] = [0.145, -0.08]
            // v = 0.999·[0.00025, 0.004] + 0.001·[1, 1] = [0.00124975, 0.004996]
            // bc1 = 1 - 0.9² = 0.19, bc2 = 1 - 0.999² = 0.001999
            // m̂ = [0.7631579, -0.4210526], sqrt(v̂) = sqrt(v/bc2) = [0.7906884, 1.5809017]
            // θ = [0.9, 1.1] - 0.1·m̂/(sqrt(v̂) + 1e-8) = [0.9 - 0.0965182, 1.1 + 0.0266337]
            assertValues(new double[] {0.145, -0.08}, opt.state(p).get("exp_avg"), TOL);
            assertValues(new double[] {0.00124975, 0.004996}, opt.state(p).get("exp_avg_sq"), TOL);
            assertValues(new double[] {0.8034818006385092, 1.1266337032975686}, p, 1e-10);
        }
    }

    @Test
    void weightDecayIsAnL2TermInAdam() {
        Tensor p = param(1);
        try (Adam opt = new Adam(List.of(p), Adam.options().lr(0.1).weightDecay(0.1))) {
            setGrad(p, 0.5);
            opt.step();
            // g = 0.5 + 0.1·1 = 0.6; step 1: θ = 1 - 0.1·0.6/(0.6 + 1e-8)
            assertValues(new double[] {1 - 0.1 * 0.6 / (0.6 + 1e-8)}, p, TOL);
        }
    }

    @Test
    void adamWDecaysTheWeightFirst() {
        Tensor p = param(1);
        try (AdamW opt = new AdamW(List.of(p), AdamW.options().lr(0.1))) {
            setGrad(p, 0.5);
            opt.step();
            // θ = 1·(1 - 0.1·0.01) = 0.999; then Adam step 1 on g = 0.5: θ = 0.999 - 0.1·0.5/(0.5 + 1e-8)
            assertValues(new double[] {0.999 - 0.1 * 0.5 / (0.5 + 1e-8)}, p, TOL);
        }
    }

    @Test
    void amsgradKeepsTheMaximumSecondMoment() {
        Tensor p = param(1);
        Tensor q = param(1);
        Adam.Options o = Adam.options().lr(0.1).betas(0.9, 0.5);
        try (Adam ams = new Adam(List.of(p), o.amsgrad(true)); Adam plain = new Adam(List.of(q), o)) {
            setGrad(p, 2);
            setGrad(q, 2);
            ams.step();
            plain.step();
            // step 1: m = 0.2, v = 0.5·4 = 2, vmax = 2; m̂ = 2, v̂ = 2/0.5 = 4: θ = 1 - 0.1·2/(2 + 1e-8)
            assertValues(new double[] {1 - 0.1 * 2 / (2 + 1e-8)}, p, TOL);
            setGrad(p, 0.1);
            setGrad(q, 0.1);
            long version = ams.state(p).get("max_exp_avg_sq").version();
            ams.step();
            assertTrue(ams.state(p).get("max_exp_avg_sq").version() > version, "maximum(out=max) bumps its version");
            plain.step();
            // step 2: m = 0.18 + 0.01 = 0.19, v = 1 + 0.5·0.01 = 1.005 < vmax = 2; bc1 = 0.19, bc2 = 0.75
            // amsgrad: θ = 0.9 - 0.1·1/sqrt(2/0.75) = 0.9 - 0.0612372 = 0.8387628
            // plain:   θ = 0.9 - 0.1·1/sqrt(1.005/0.75) = 0.9 - 0.0863868 = 0.8136132
            assertValues(new double[] {2}, ams.state(p).get("max_exp_avg_sq"), TOL);
            assertValues(new double[] {0.8387627573054205}, p, 1e-10);
            assertValues(new double[] {0.8136131586881326}, q, 1e-10);
            assertNull(plain.state(q).get("max_exp_avg_sq"));
        }
    }

    @Test
    void maximizeAscends() {
        Tensor p = param(1);
        try (Adam opt = new Adam(List.of(p), Adam.options().lr(0.1).maximize(true))) {
            setGrad(p, 0.5);
            opt.step();
            // g = -0.5: θ = 1 + 0.1·0.5/(0.5 + 1e-8)
            assertValues(new double[] {1 + 0.1 * 0.5 / (0.5 + 1e-8)}, p, TOL);
        }
    }

    @Test
    void float32ParametersGetFloat32State() {
        Tensor p = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        try (Adam opt = new Adam(List.of(p), Adam.options().lr(0.1))) {
            p.mul(3).sum().backward();
            opt.step();
            assertNotNull(opt.state(p).get("exp_avg"));
            // step 1 moves each coordinate by lr·g/(|g| + eps) ≈ lr
            assertValues(new double[] {0.9, 1.9}, p, 1e-6);
        }
    }

    @Test
    void validation() {
        Tensor p = param(1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(p), Adam.options().betas(1.0, 0.999)));
        assertTrue(e.getMessage().contains("beta parameter at index 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), Adam.options().eps(-1)));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
    }
}
