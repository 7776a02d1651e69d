package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.nn.init.Init;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Short end-to-end training runs on synthetic problems: each must reach its loss within seconds. */
class TrainingTest extends OptimTestBase {

    /** Runs {@code steps} iterations of zeroGrad / loss / backward / step, each in its own scope; returns the last loss. */
    private static double train(Optimizer<?> opt, int steps, Supplier<Tensor> loss, Runnable perStep) {
        double last = Double.NaN;
        for (int i = 0; i < steps; i++) {
            try (TensorScope s = TensorScope.open()) {
                opt.zeroGrad();
                Tensor l = loss.get();
                l.backward();
                opt.step();
                last = l.item();
            }
            perStep.run();
        }
        return last;
    }

    /** y = 3x + 2 + 0.1·noise on 256 points; the best achievable mean squared error is about 0.01. */
    private record Regression(Tensor x, Tensor y, Tensor w, Tensor b) {
        static Regression make() {
            try (Generator g = new Generator(11)) {
                Tensor x = Tensor.randn(g, DType.FLOAT32, 256, 1);
                Tensor y = x.mul(3).add(2).add(Tensor.randn(g, DType.FLOAT32, 256, 1).mul(0.1));
                return new Regression(x, y, Tensor.zeros(1, 1).requiresGrad(true), Tensor.zeros(1).requiresGrad(true));
            }
        }

        Tensor loss() {
            return x.matmul(w).add(b).sub(y).pow(2).mean();
        }
    }

    @Test
    void linearRegressionWithSgdMomentum() {
        Regression r = Regression.make();
        long t0 = System.nanoTime();
        try (SGD opt = new SGD(List.of(r.w(), r.b()), SGD.options().lr(0.05).momentum(0.9))) {
            StepLR sched = new StepLR(opt, 100, 0.5);
            double loss = train(opt, 200, r::loss, sched::step);
            assertTrue(loss < 0.012, "loss " + loss);
            assertEquals(3, r.w().item(), 0.05);
            assertEquals(2, r.b().item(), 0.05);
        }
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "took over 10 s");
    }

    @Test
    void linearRegressionWithAdam() {
        Regression r = Regression.make();
        try (Adam opt = new Adam(List.of(r.w(), r.b()), Adam.options().lr(0.1))) {
            CosineAnnealingLR sched = new CosineAnnealingLR(opt, 300, 0.001);
            double loss = train(opt, 300, r::loss, sched::step);
            assertTrue(loss < 0.012, "loss " + loss);
            assertEquals(3, r.w().item(), 0.05);
            assertEquals(2, r.b().item(), 0.05);
        }
    }

    @Test
    void xorWithASquaringHiddenLayer() {
        // XOR on ±1 inputs: target x1·x2 = ((x1 + x2)² - (x1 - x2)²)/4, which a hidden layer with a
        // square activation can represent exactly.
        Tensor x = Tensor.of(new float[][] {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}});
        Tensor y = Tensor.of(new float[] {1, -1, -1, 1}, 4, 1);
        Tensor w1 = Tensor.zeros(2, 8).requiresGrad(true);
        Tensor b1 = Tensor.zeros(8).requiresGrad(true);
        Tensor w2 = Tensor.zeros(8, 1).requiresGrad(true);
        Tensor b2 = Tensor.zeros(1).requiresGrad(true);
        try (Generator g = new Generator(5)) {
            Init.xavierNormal(w1, 1.0, g);
            Init.xavierNormal(w2, 1.0, g);
        }
        Supplier<Tensor> loss = () -> {
            Tensor h = x.matmul(w1).add(b1);
            return h.mul(h).matmul(w2).add(b2).sub(y).pow(2).mean();
        };
        try (Adam opt = new Adam(List.of(w1, b1, w2, b2), Adam.options().lr(0.05))) {
            LinearLR warmup = new LinearLR(opt, 0.1, 1.0, 20);
            double last = train(opt, 400, loss, warmup::step);
            assertTrue(last < 1e-3, "loss " + last);
        }
    }
}
