package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Optimizer base: groups, skipped parameters, zeroGrad, state lifetime. */
class OptimizerTest extends OptimTestBase {

    @Test
    void paramGroupsHaveTheirOwnLearningRates() {
        Tensor a = param(1);
        Tensor b = param(1);
        try (SGD opt = new SGD(List.of(a), 0.1)) {
            opt.addParamGroup(List.of(b), opt.defaults().lr(0.01));
            setGrad(a, 1);
            setGrad(b, 1);
            opt.step();
            // θ - γg with γ = 0.1 and 0.01
            assertValues(new double[] {0.9}, a, 1e-15);
            assertValues(new double[] {0.99}, b, 1e-15);
            assertEquals(2, opt.paramGroups().size());
            assertEquals(0.01, opt.getLr(1));
            opt.setLr(1, 0.5);
            setGrad(b, 1);
            a.zeroGrad();
            opt.step();
            assertValues(new double[] {0.9}, a, 1e-15); // no grad: skipped
            assertValues(new double[] {0.49}, b, 1e-15);
        }
    }

    @Test
    void groupsKeepTheirOtherOptions() {
        Tensor a = param(1);
        Tensor b = param(1);
        try (SGD opt = new SGD(List.of(a), SGD.options().lr(0.1).momentum(0.9))) {
            opt.addParamGroup(List.of(b), SGD.options().lr(0.1));
            for (int i = 0; i < 2; i++) {
                setGrad(a, 1);
                setGrad(b, 1);
                opt.step();
            }
            assertNotNull(opt.state(a).get("momentum_buffer"));
            assertNull(opt.state(b).get("momentum_buffer"));
            // a: b1 = 1, θ = 0.9; b2 = 0.9 + 1 = 1.9, θ = 0.9 - 0.19 = 0.71.  b: θ = 1 - 0.1 - 0.1 = 0.8
            assertValues(new double[] {0.71}, a, 1e-15);
            assertValues(new double[] {0.8}, b, 1e-15);
        }
    }

    @Test
    void setOptionsTakesEffectAtTheNextStep() {
        Tensor a = param(1);
        try (SGD opt = new SGD(List.of(a), 0.1)) {
            ParamGroup<SGD.Options> g = opt.paramGroups().get(0);
            setGrad(a, 1);
            opt.step(); // θ = 0.9, no momentum buffer
            assertNull(opt.state(a).get("momentum_buffer"));
            g.setOptions(g.options().momentum(0.5));
            assertNull(opt.state(a).get("momentum_buffer"));
            setGrad(a, 2);
            opt.step();
            // the buffer starts as a copy of g: b = 2; θ = 0.9 - 0.2
            assertValues(new double[] {2}, opt.state(a).get("momentum_buffer"), 0);
            assertValues(new double[] {0.7}, a, 1e-15);
        }
    }

    @Test
    void stateIsCreatedOnAParametersFirstStep() {
        Tensor a = param(1);
        Tensor b = param(2, 2);
        long before = Nabla.liveTensors();
        try (Adam opt = new Adam(List.of(a, b), Adam.options().lr(0.1))) {
            assertEquals(before, Nabla.liveTensors(), "state made before the first step");
            assertTrue(opt.state(a).isEmpty());
            for (int i = 0; i < 2; i++) {
                setGrad(a, 1);
                opt.step();
            }
            // only a has had a gradient: b has no state, as PyTorch's optimizer.state[b] == {}
            assertEquals(2, opt.state(a).step());
            assertEquals(List.of("exp_avg", "exp_avg_sq"), List.copyOf(opt.state(a).names()));
            assertTrue(opt.state(b).isEmpty());
            assertNull(opt.state(b).get("exp_avg"));
            try (TensorScope s = TensorScope.open()) { // created inside a scope, the state must outlive it
                setGrad(a, 1);
                setGrad(b, 0.5, -2);
                opt.step();
            }
            // b's first step: step count 1 and bias correction of step 1, whatever a's count is:
            // m = 0.1g, v = 0.001g², θ -= 0.1·g/(|g| + 1e-8)
            assertEquals(3, opt.state(a).step());
            assertEquals(1, opt.state(b).step());
            assertValues(new double[] {0.05, -0.2}, opt.state(b).get("exp_avg"), 1e-12);
            assertValues(new double[] {0.00025, 0.004}, opt.state(b).get("exp_avg_sq"), 1e-12);
            assertValues(new double[] {2 - 0.1 * 0.5 / (0.5 + 1e-8), 2 + 0.1 * 2 / (2 + 1e-8)}, b, 1e-12);
        }
    }

    @Test
    void parametersWithoutGradAreSkippedAndKeepStepZero() {
        Tensor a = param(1);
        Tensor b = param(2);
        try (Adam opt = new Adam(List.of(a, b))) {
            setGrad(a, 1);
            opt.step();
            assertEquals(1, opt.state(a).step());
            assertEquals(0, opt.state(b).step());
            assertValues(new double[] {2}, b, 0);
        }
    }

    @Test
    void stepRecordsNoGraphAndRestoresGradMode() {
        Tensor a = param(1, 2);
        try (SGD opt = new SGD(List.of(a), SGD.options().lr(0.1).momentum(0.9).weightDecay(0.1))) {
            setGrad(a, 1, 1);
            assertTrue(GradMode.isEnabled());
            opt.step();
            assertTrue(GradMode.isEnabled());
            assertTrue(a.isLeaf());
            assertTrue(a.requiresGrad());
            assertNull(a.gradFn());
        }
    }

    @Test
    void zeroGradSetsToNoneOrZeros() {
        Tensor a = param(1, 2);
        try (SGD opt = new SGD(List.of(a), 0.1)) {
            setGrad(a, 3, 4);
            opt.zeroGrad(false);
            assertValues(new double[] {0, 0}, a.grad(), 0);
            opt.zeroGrad();
            assertNull(a.grad());
        }
    }

    @Test
    void stateOutlivesPerIterationScopesAndTemporariesDoNot() {
        Tensor a = param(1, 2);
        try (Adam opt = new Adam(List.of(a))) {
            long live = -1;
            for (int i = 0; i < 5; i++) {
                try (TensorScope s = TensorScope.open()) {
                    opt.zeroGrad();
                    a.mul(a).sum().backward();
                    opt.step();
                }
                long now = Nabla.liveTensors();
                if (i > 0) {
                    assertEquals(live, now, "live tensors grew between iterations");
                }
                live = now;
            }
            assertEquals(5, opt.state(a).step());
        }
    }

    @Test
    void closeFreesStateAndStepAfterCloseThrows() {
        Tensor a = param(1);
        setGrad(a, 1);
        long before = Nabla.liveTensors();
        SGD opt = new SGD(List.of(a), SGD.options().lr(0.1).momentum(0.9));
        opt.step();
        assertEquals(before + 1, Nabla.liveTensors()); // the momentum buffer
        opt.close();
        assertEquals(before, Nabla.liveTensors());
        assertTrue(opt.isClosed());
        var e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("SGD.step") && e.getMessage().contains("closed"), e.getMessage());
        opt.close(); // twice: no-op
    }

    @Test
    void aParameterMayBelongToOneGroupOnly() {
        Tensor a = param(1);
        try (SGD opt = new SGD(List.of(a), 0.1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> opt.addParamGroup(List.of(a)));
            assertTrue(e.getMessage().contains("more than one parameter group"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> opt.state(param(3)));
            assertTrue(e.getMessage().contains("not a parameter"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(a, a), 0.1));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void setLrRejectsNegativeValues() {
        Tensor a = param(1);
        try (SGD opt = new SGD(List.of(a), 0.1)) {
            assertThrows(IllegalArgumentException.class, () -> opt.setLr(-0.1));
            assertEquals(0.1, opt.getLr(0));
            assertFalse(opt.isClosed());
        }
    }
}
