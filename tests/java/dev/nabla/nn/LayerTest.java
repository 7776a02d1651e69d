package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Layers against hand-computed values, plus gradient checks over parameters and inputs. */
class LayerTest extends NnTestBase {

    private static Tensor randn64(long seed, long... shape) {
        try (Generator g = new Generator(seed)) {
            return Tensor.randn(g, DType.FLOAT64, shape);
        }
    }

    @Test
    void linearKnownValues() {
        try (Linear lin = new Linear(2, 3)) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            state.put("weight", Tensor.of(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
            state.put("bias", Tensor.of(new float[] {0.5f, -1, 2}));
            lin.loadStateDict(state);
            Tensor y = lin.forward(Tensor.of(new float[][] {{1, 1}, {2, -1}}));
            // y = x W^T + b: [1+2+0.5, 3+4-1, 5+6+2] and [2-2+0.5, 6-4-1, 10-6+2]
            assertValues(new double[] {3.5, 6, 13, 0.5, 1, 6}, y, 1e-6);
            assertEquals("AddBackward0", y.gradFn());
            assertEquals("Linear(in_features=2, out_features=3, bias=True)", lin.toString());
        }
    }

    @Test
    void linearDefaultInitIsWithinPyTorchsBound() {
        Nabla.manualSeed(0);
        try (Linear lin = new Linear(16, 8)) {
            double bound = 1 / Math.sqrt(16); // kaiming_uniform(a = sqrt(5)) gives 1/sqrt(fan_in)
            for (float v : lin.weight().toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, "weight " + v);
            }
            for (float v : lin.bias().toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, "bias " + v);
            }
            assertTrue(lin.weight().requiresGrad() && lin.weight().isLeaf());
        }
    }

    @Test
    void parametersSurviveTheScopeTheyWereMadeIn() {
        Linear lin;
        try (var s = dev.nabla.TensorScope.open()) {
            lin = new Linear(3, 2);
        }
        try (lin) {
            assertEquals(List.of(2L, 3L), java.util.Arrays.stream(lin.weight().shape().dims()).boxed().toList());
            assertEquals(2, lin.parameters().size());
        }
    }

    @Test
    void sequentialNamesParametersLikePyTorch() {
        try (Sequential net = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2, false))) {
            assertEquals(List.of("0.weight", "0.bias", "2.weight"), List.copyOf(net.namedParameters().keySet()));
            assertEquals(3, net.parameters().size());
            Tensor y = net.forward(Tensor.ones(5, 4));
            assertEquals(List.of(5L, 2L), java.util.Arrays.stream(y.shape().dims()).boxed().toList());
            assertTrue(net.toString().startsWith("Sequential(\n  (0): Linear(in_features=4"), net.toString());
        }
    }

    @Test
    void linearWeightGradientIsRowMajorLikeTheWeight() {
        // Note [gradient layout]: W^T's gradient is computed so that W.grad needs no transposing copy.
        try (Linear lin = new Linear(40, 33)) {
            lin.forward(Tensor.ones(8, 40)).sum().backward();
            assertTrue(lin.weight().grad().isContiguous());
            // d sum(x W^T + b) / dW[o][i] = sum over the batch of x[n][i] = 8
            for (float v : lin.weight().grad().toFloatArray()) {
                assertEquals(8f, v, 0f);
            }
        }
    }

    @Test
    void zeroGradSetsToNoneByDefault() {
        try (Linear lin = new Linear(2, 1)) {
            lin.forward(Tensor.ones(1, 2)).sum().backward();
            assertTrue(lin.weight().grad() != null);
            lin.zeroGrad(false);
            assertValues(new double[] {0, 0}, lin.weight().grad(), 0);
            lin.zeroGrad();
            assertNull(lin.weight().grad());
        }
    }

    @Test
    void stateDictRoundTripAndStrictErrors() {
        try (Sequential a = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
                Sequential b = new Sequential(new Linear(3, 2), new BatchNorm1d(2))) {
            Map<String, Tensor> state = a.stateDict();
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                    "1.num_batches_tracked"), List.copyOf(state.keySet()));
            b.loadStateDict(state);
            assertValues(a.stateDict().get("0.weight").to(DType.FLOAT64).toDoubleArray(), b.stateDict().get("0.weight"), 0);
            Map<String, Tensor> partial = new LinkedHashMap<>(state);
            partial.remove("0.bias");
            partial.put("extra", Tensor.zeros(1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(partial));
            assertTrue(e.getMessage().contains("Missing key(s) in state_dict: [0.bias]"), e.getMessage());
            assertTrue(e.getMessage().contains("Unexpected key(s) in state_dict: [extra]"), e.getMessage());
            Map<String, Tensor> wrong = new LinkedHashMap<>(state);
            wrong.put("0.weight", Tensor.zeros(2, 4));
            e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(wrong));
            assertTrue(e.getMessage().contains("size mismatch for 0.weight"), e.getMessage());
        }
    }

    @Test
    void trainEvalPropagatesAndApplyVisitsAll() {
        try (Sequential net = new Sequential(new Linear(2, 2), new Dropout(0.5))) {
            net.eval();
            assertTrue(!net.get(1).isTraining());
            int[] count = {0};
            net.apply(m -> count[0]++);
            assertEquals(3, count[0]);
            net.train();
            assertTrue(net.get(0).isTraining());
        }
    }

    @Test
    void batchNorm1dTrainingAndRunningStatistics() {
        try (BatchNorm1d bn = new BatchNorm1d(2)) {
            Tensor x = Tensor.of(new float[][] {{1, 2}, {3, 6}});
            Tensor y = bn.forward(x);
            // channel 0: mean 2, biased var 1 -> (x - 2) / sqrt(1 + 1e-5); channel 1: mean 4, var 4
            double a = 1 / Math.sqrt(1 + 1e-5);
            double c = 2 / Math.sqrt(4 + 1e-5);
            assertValues(new double[] {-a, -c, a, c}, y, 1e-5);
            // running = 0.9 * init + 0.1 * batch, with the unbiased variance (n/(n-1) = 2): var [2, 8]
            assertValues(new double[] {0.2, 0.4}, bn.stateDict().get("running_mean"), 1e-6);
            assertValues(new double[] {0.9 + 0.2, 0.9 + 0.8}, bn.stateDict().get("running_var"), 1e-6);
            assertEquals(1.0, bn.stateDict().get("num_batches_tracked").to(DType.FLOAT64).item());
            bn.eval();
            Tensor z = bn.forward(x);
            // eval: (x - running_mean) / sqrt(running_var + eps)
            assertValues(new double[] {(1 - 0.2) / Math.sqrt(1.1 + 1e-5), (2 - 0.4) / Math.sqrt(1.7 + 1e-5),
                    (3 - 0.2) / Math.sqrt(1.1 + 1e-5), (6 - 0.4) / Math.sqrt(1.7 + 1e-5)}, z, 1e-5);
        }
    }

    @Test
    void batchNorm2dNormalizesEachChannelOverBatchAndSpace() {
        try (BatchNorm2d bn = new BatchNorm2d(3)) {
            Tensor y = bn.forward(randn64(3, 4, 3, 2, 2).to(DType.FLOAT32));
            Tensor mean = y.mean(new int[] {0, 2, 3}, false);
            Tensor var = y.pow(2).mean(new int[] {0, 2, 3}, false);
            assertValues(new double[] {0, 0, 0}, mean, 1e-5);
            assertValues(new double[] {1, 1, 1}, var, 1e-3);
            assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(2, 3)));
            assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(2, 4, 2, 2)));
        }
    }

    @Test
    void layerNormKnownValues() {
        try (LayerNorm ln = new LayerNorm(3)) {
            Tensor y = ln.forward(Tensor.of(new float[][] {{1, 2, 3}}));
            // mean 2, biased var 2/3: (x - 2) / sqrt(2/3 + 1e-5)
            double s = 1 / Math.sqrt(2.0 / 3 + 1e-5);
            assertValues(new double[] {-s, 0, s}, y, 1e-5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ln.forward(Tensor.ones(2, 4)));
            assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
        }
    }

    @Test
    void activationsAndFlatten() {
        Tensor x = Tensor.of(new float[] {-1, 0.5f}, 1, 2);
        assertValues(new double[] {0, 0.5}, new ReLU().forward(x), 0);
        assertValues(new double[] {Math.tanh(-1), Math.tanh(0.5)}, new Tanh().forward(x), 1e-6);
        assertValues(new double[] {1 / (1 + Math.E), 1 / (1 + Math.exp(-0.5))}, new Sigmoid().forward(x), 1e-6);
        // exact GELU: x * Phi(x); Phi(-1) = 0.158655, Phi(0.5) = 0.691462
        assertValues(new double[] {-0.158655, 0.5 * 0.691462}, new GELU().forward(x), 1e-5);
        Tensor f = new Flatten().forward(Tensor.ones(2, 3, 4));
        assertEquals(List.of(2L, 12L), java.util.Arrays.stream(f.shape().dims()).boxed().toList());
    }

    @Test
    void dropoutIsTheIdentityInEvalAndScalesInTraining() {
        Dropout d = new Dropout(0.5);
        Tensor x = Tensor.ones(1000);
        d.eval();
        assertValues(x.to(DType.FLOAT64).toDoubleArray(), d.forward(x), 0);
        d.train();
        float[] y = d.forward(x).toFloatArray();
        int kept = 0;
        for (float v : y) {
            assertTrue(v == 0f || v == 2f, "inverted dropout keeps 1/(1-p) = 2, got " + v);
            kept += v != 0 ? 1 : 0;
        }
        assertTrue(kept > 400 && kept < 600, "kept " + kept + " of 1000 at p = 0.5");
    }

    @Test
    void gradientsOfLayersMatchCentralDifferences() {
        try (Linear lin = new Linear(3, 2, true, DType.FLOAT64)) {
            ModuleGradCheck.check("Linear", lin, lin::forward, randn64(1, 4, 3));
        }
        try (BatchNorm1d bn = new BatchNorm1d(3, 1e-5, 0.1, true, DType.FLOAT64)) {
            setAffine(bn, 7);
            ModuleGradCheck.check("BatchNorm1d", bn, bn::forward, randn64(2, 5, 3));
        }
        try (BatchNorm2d bn = new BatchNorm2d(2, 1e-5, 0.1, true, DType.FLOAT64)) {
            setAffine(bn, 8);
            ModuleGradCheck.check("BatchNorm2d", bn, bn::forward, randn64(3, 2, 2, 2, 3));
        }
        try (LayerNorm ln = new LayerNorm(new long[] {2, 3}, 1e-5, true, DType.FLOAT64)) {
            setAffine(ln, 9);
            ModuleGradCheck.check("LayerNorm", ln, ln::forward, randn64(4, 2, 2, 3));
        }
    }

    /** Random affine parameters, so the check does not run at the special point w = 1, b = 0. */
    private static void setAffine(Module m, long seed) {
        try (var g = GradMode.noGrad()) {
            for (Tensor p : m.parameters()) {
                p.copyInPlace(randn64(seed++, p.shape().dims()));
            }
        }
    }
}
