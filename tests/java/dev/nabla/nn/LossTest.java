package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.ShapeMismatchException;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** Losses against hand-computed values (PyTorch's formulas), gradients against central differences. */
class LossTest extends NnTestBase {

    private static Tensor labels(long... classes) {
        float[] f = new float[classes.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = classes[i];
        }
        return Tensor.of(f).to(DType.INT64);
    }

    @Test
    void mseAndL1() {
        Tensor x = Tensor.of(new float[] {1, 2, 3});
        Tensor y = Tensor.of(new float[] {1, 1, 1});
        // squared errors 0, 1, 4: mean 5/3, sum 5; absolute errors 0, 1, 2: mean 1
        assertEquals(5.0 / 3, new MSELoss().forward(x, y).item(), 1e-6);
        assertEquals(5.0, new MSELoss(Reduction.SUM).forward(x, y).item(), 1e-6);
        assertValues(new double[] {0, 1, 4}, new MSELoss(Reduction.NONE).forward(x, y), 0);
        assertEquals(1.0, new L1Loss().forward(x, y).item(), 1e-6);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> new MSELoss().forward(x, Tensor.ones(3, 1)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[3, 1]"), e.getMessage());
    }

    @Test
    void crossEntropyKnownValues() {
        Tensor logits = Tensor.of(new float[][] {{1, 2, 3}, {0, 0, 0}});
        // row 0: logsumexp = 3 + log(1 + e^-1 + e^-2) = 3.4076059644, so -log p(class 0) = 2.4076059644
        // row 1: uniform over 3 classes: -log p = log 3 = 1.0986122887
        double l0 = 2.4076059644;
        double l1 = Math.log(3);
        assertEquals((l0 + l1) / 2, new CrossEntropyLoss().forward(logits, labels(0, 2)).item(), 1e-5);
        // ignore_index: only row 0 counts, and the mean is over that one target
        assertEquals(l0, new CrossEntropyLoss(Reduction.MEAN, -100, 0).forward(logits, labels(0, -100)).item(), 1e-5);
        // label smoothing 0.1: 0.9 * nll + 0.1 * mean_c(-log p_c); row 0's mean_c(-log p_c) = 1.4076059644
        double smoothed = 0.9 * l0 + 0.1 * 1.4076059644;
        assertEquals(smoothed, new CrossEntropyLoss(Reduction.SUM, -100, 0.1).forward(logits, labels(0, -100)).item(), 1e-5);
        assertValues(new double[] {l0, l1}, new CrossEntropyLoss(Reduction.NONE, -100, 0).forward(logits, labels(0, 1)), 1e-5);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> new CrossEntropyLoss().forward(logits, labels(0, 3)));
        assertTrue(e.getMessage().contains("Target 3 is out of bounds"), e.getMessage());
    }

    @Test
    void nllTakesLogProbabilities() {
        Tensor logp = Tensor.of(new float[][] {{-0.5f, -1, -2}});
        // -logp[0, 1] = 1
        assertEquals(1.0, new NLLLoss().forward(logp, labels(1)).item(), 1e-6);
        assertThrows(ShapeMismatchException.class, () -> new NLLLoss().forward(logp, labels(1, 2)));
    }

    @Test
    void bceWithLogitsIsStable() {
        // x = 0, y = 1: log 2; x = 2, y = 0: 2 + log(1 + e^-2) = 2.1269280110; x = -100, y = 0: ~0 (no overflow)
        Tensor x = Tensor.of(new float[] {0, 2, -100});
        Tensor y = Tensor.of(new float[] {1, 0, 0});
        assertValues(new double[] {Math.log(2), 2.1269280110, 0}, new BCEWithLogitsLoss(Reduction.NONE).forward(x, y), 1e-5);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHot() {
        Tensor logits = Tensor.of(new double[][] {{1, 2, 3}}).requiresGrad(true);
        new CrossEntropyLoss().forward(logits, labels(0)).backward();
        // d/dz CE = softmax(z) - onehot: softmax(1,2,3) = (0.0900306, 0.2447285, 0.6652410)
        assertValues(new double[] {0.0900306 - 1, 0.2447285, 0.6652410}, logits.grad(), 1e-6);
    }

    @Test
    void lossGradientsMatchCentralDifferences() {
        Tensor target;
        try (Generator g = new Generator(5)) {
            target = Tensor.rand(g, DType.FLOAT64, 3, 4);
        }
        Tensor t = target;
        Tensor cls = labels(1, 3, -100);
        ModuleGradCheck.check("MSELoss", new Sequential(), x -> new MSELoss().forward(x, t), randn(1, 3, 4));
        ModuleGradCheck.check("L1Loss", new Sequential(), x -> new L1Loss().forward(x, t), randn(2, 3, 4));
        ModuleGradCheck.check("BCEWithLogitsLoss", new Sequential(), x -> new BCEWithLogitsLoss().forward(x, t), randn(3, 3, 4));
        ModuleGradCheck.check("CrossEntropyLoss smoothing", new Sequential(),
                x -> new CrossEntropyLoss(Reduction.MEAN, -100, 0.2).forward(x, cls), randn(4, 3, 4));
    }

    private static Tensor randn(long seed, long... shape) {
        try (Generator g = new Generator(seed)) {
            return Tensor.randn(g, DType.FLOAT64, shape);
        }
    }
}
