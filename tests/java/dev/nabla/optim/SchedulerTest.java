package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedulers' learning-rate sequences against the closed forms PyTorch documents. */
class SchedulerTest extends OptimTestBase {
    private static final double TOL = 1e-12;

    private SGD twoGroups(double lr0, double lr1) {
        SGD opt = new SGD(List.of(param(1)), lr0);
        opt.addParamGroup(List.of(param(1)), opt.defaults().lr(lr1));
        return opt;
    }

    @Test
    void stepLR() {
        try (SGD opt = twoGroups(1.0, 0.5)) {
            StepLR s = new StepLR(opt, 3, 0.1);
            for (int epoch = 0; epoch < 10; epoch++) {
                // lr = base·γ^floor(epoch / 3)
                double f = Math.pow(0.1, epoch / 3);
                assertArrayEquals(new double[] {1.0 * f, 0.5 * f}, s.getLastLr(), TOL, "epoch " + epoch);
                assertEquals(1.0 * f, opt.getLr(0), TOL);
                assertEquals(epoch, s.lastEpoch());
                s.step();
            }
        }
    }

    @Test
    void cosineAnnealingLR() {
        try (SGD opt = twoGroups(0.1, 0.2)) {
            CosineAnnealingLR s = new CosineAnnealingLR(opt, 10, 0.001);
            for (int epoch = 0; epoch <= 20; epoch++) {
                // η = η_min + (η_max - η_min)(1 + cos(π·epoch/T_max))/2: 0.1 at 0, 0.0505 at 5, 0.001 at 10, back to 0.1 at 20
                double c = (1 + Math.cos(Math.PI * epoch / 10)) / 2;
                assertArrayEquals(new double[] {0.001 + (0.1 - 0.001) * c, 0.001 + (0.2 - 0.001) * c}, s.getLastLr(),
                        TOL, "epoch " + epoch);
                s.step();
            }
        }
        try (SGD opt = new SGD(List.of(param(1)), 0.1)) {
            CosineAnnealingLR s = new CosineAnnealingLR(opt, 10, 0.001);
            for (int i = 0; i < 5; i++) {
                s.step();
            }
            assertEquals(0.0505, opt.getLr(0), TOL); // 0.001 + 0.099·(1 + cos(π/2))/2
        }
    }

    @Test
    void linearLRWarmUp() {
        try (SGD opt = twoGroups(0.1, 1.0)) {
            LinearLR s = new LinearLR(opt, 0.25, 1.0, 4);
            // factor = 0.25 + 0.75·min(epoch, 4)/4: 0.25, 0.4375, 0.625, 0.8125, 1, 1, 1
            double[] factors = {0.25, 0.4375, 0.625, 0.8125, 1, 1, 1};
            for (int epoch = 0; epoch < factors.length; epoch++) {
                assertArrayEquals(new double[] {0.1 * factors[epoch], 1.0 * factors[epoch]}, s.getLastLr(), TOL,
                        "epoch " + epoch);
                s.step();
            }
        }
    }

    @Test
    void linearLRDefaultsAndDecay() {
        try (SGD opt = new SGD(List.of(param(1)), 0.3)) {
            LinearLR s = new LinearLR(opt);
            // defaults 1/3 → 1 over 5 epochs: lr = 0.3·(1/3 + (2/3)·epoch/5)
            for (int epoch = 0; epoch <= 6; epoch++) {
                assertEquals(0.3 * (1.0 / 3 + (2.0 / 3) * Math.min(epoch, 5) / 5), opt.getLr(0), TOL, "epoch " + epoch);
                s.step();
            }
        }
        try (SGD opt = new SGD(List.of(param(1)), 1.0)) {
            LinearLR s = new LinearLR(opt, 1.0, 0.0, 2);
            s.step();
            assertEquals(0.5, opt.getLr(0), TOL);
            s.step();
            assertEquals(0.0, opt.getLr(0), TOL);
        }
    }

    @Test
    void theScheduledLrDrivesTheUpdate() {
        Tensor p = param(1);
        try (SGD opt = new SGD(List.of(p), 1.0)) {
            StepLR s = new StepLR(opt, 1, 0.5);
            s.step(); // lr 0.5
            setGrad(p, 1);
            opt.step();
            assertValues(new double[] {0.5}, p, TOL); // 1 - 0.5·1
        }
    }

    @Test
    void validation() {
        try (SGD opt = new SGD(List.of(param(1)), 0.1)) {
            assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 0, 0.1));
            assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> new LinearLR(opt, 0, 1, 5));
            assertThrows(IllegalArgumentException.class, () -> new LinearLR(opt, 0.5, 1.5, 5));
        }
    }
}
