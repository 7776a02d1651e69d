package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Autograd beyond backward(): higher-order gradients, Autograd.grad, hooks, custom Functions,
 * detachInPlace, anomaly mode and PyTorch's autograd errors.
 */
class AutogradFeaturesTest extends NablaTestBase {

    // ---- higher-order gradients ----

    @Test
    void secondDerivativeOfCubeThroughBackwardWithCreateGraph() {
        Tensor x = Tensor.of(new double[] {2, -1}).requiresGrad(true);
        x.pow(3).sum().backward(null, false, true);
        Tensor g = x.grad(); // d/dx x^3 = 3x^2 = [12, 3]
        assertArrayEquals(new double[] {12, 3}, g.toDoubleArray(), 1e-12);
        Tensor first = g.clone();
        x.zeroGrad();
        first.sum().backward();
        assertArrayEquals(new double[] {12, -6}, x.grad().toDoubleArray(), 1e-12); // d2/dx2 = 6x
    }

    @Test
    void secondDerivativeOfCubeThroughAutogradGrad() {
        Tensor x = Tensor.of(new double[] {2, -1}).requiresGrad(true);
        Tensor y = x.pow(3).sum();
        Tensor g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x}, null, false, true, false)[0];
        assertArrayEquals(new double[] {12, 3}, g.toDoubleArray(), 1e-12); // 3x^2
        assertTrue(g.requiresGrad());
        Tensor gg = Autograd.grad(g.sum(), x)[0];
        assertArrayEquals(new double[] {12, -6}, gg.toDoubleArray(), 1e-12); // 6x
        assertNull(x.grad(), "Autograd.grad touches no .grad");
    }

    /** f(W1, W2) = sum(((X @ W1)^2 @ W2)^2): a two-layer net with a square as its nonlinearity. */
    private static Tensor mlp(Tensor x, Tensor w1, Tensor w2) {
        return x.matmul(w1).pow(2).matmul(w2).pow(2).sum();
    }

    /** The gradient of mlp w.r.t. (w1, w2) at these values, flattened, without a graph. */
    private static double[] mlpGrad(Tensor x, double[] w1, double[] w2) {
        try (TensorScope s = TensorScope.open()) {
            Tensor a = Tensor.of(w1, 3, 4).requiresGrad(true);
            Tensor b = Tensor.of(w2, 4, 2).requiresGrad(true);
            Tensor[] g = Autograd.grad(mlp(x, a, b), a, b);
            return concat(g[0].toDoubleArray(), g[1].toDoubleArray());
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] r = new double[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void hessianVectorProductMatchesFiniteDifferences() {
        Tensor x = randn(1, 5, 3);
        double[] w1 = randn(2, 3, 4).toDoubleArray();
        double[] w2 = randn(3, 4, 2).toDoubleArray();
        double[] v1 = randn(4, 3, 4).toDoubleArray();
        double[] v2 = randn(5, 4, 2).toDoubleArray();
        Tensor a = Tensor.of(w1, 3, 4).requiresGrad(true);
        Tensor b = Tensor.of(w2, 4, 2).requiresGrad(true);
        // HVP = d/dw (grad f(w) . v), by double backward.
        Tensor[] g = Autograd.grad(new Tensor[] {mlp(x, a, b)}, new Tensor[] {a, b}, null, false, true, false);
        Tensor dot = g[0].mul(Tensor.of(v1, 3, 4)).sum().add(g[1].mul(Tensor.of(v2, 4, 2)).sum());
        Tensor[] hv = Autograd.grad(dot, a, b);
        double[] hvp = concat(hv[0].toDoubleArray(), hv[1].toDoubleArray());
        // Central differences of the gradient along v: (grad(w + eps v) - grad(w - eps v)) / (2 eps).
        double eps = 1e-5;
        double[] plus1 = w1.clone(), minus1 = w1.clone(), plus2 = w2.clone(), minus2 = w2.clone();
        for (int i = 0; i < w1.length; i++) {
            plus1[i] += eps * v1[i];
            minus1[i] -= eps * v1[i];
        }
        for (int i = 0; i < w2.length; i++) {
            plus2[i] += eps * v2[i];
            minus2[i] -= eps * v2[i];
        }
        double[] gp = mlpGrad(x, plus1, plus2);
        double[] gm = mlpGrad(x, minus1, minus2);
        for (int i = 0; i < hvp.length; i++) {
            double fd = (gp[i] - gm[i]) / (2 * eps);
            assertEquals(fd, hvp[i], 1e-5 * Math.max(1, Math.abs(fd)), "HVP component " + i);
        }
    }

    // ---- Autograd.grad ----

    @Test
    void gradOfSeveralOutputsWithRespectToLeafAndNonLeaf() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor h = x.mul(3);
        Tensor y1 = h.pow(2).sum(); // dy1/dh = 2h = [6, 12]
        Tensor y2 = h.sum(); // dy2/dh = 1
        Tensor[] g = Autograd.grad(new Tensor[] {y1, y2}, new Tensor[] {h, x}, null, false, false, false);
        assertArrayEquals(new double[] {7, 13}, g[0].toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {21, 39}, g[1].toDoubleArray(), 1e-12); // 3 * (2h + 1)
        assertNull(x.grad());
    }

    @Test
    void gradWithExplicitGradOutputs() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Tensor y = x.pow(2); // dy/dx = 2x, weighted by [1, 10]
        Tensor g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x}, new Tensor[] {Tensor.of(new double[] {1, 10})},
                false, false, false)[0];
        assertArrayEquals(new double[] {2, 40}, g.toDoubleArray(), 1e-12);
    }

    @Test
    void gradOfAnUnusedInputFailsUnlessAllowed() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        Tensor z = Tensor.of(new double[] {1}).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.grad(x.mul(2).sum(), x, z));
        assertTrue(e.getMessage().contains("One of the differentiated Tensors appears to not have been used in the "
                + "graph. Set allowUnused=true if this is the desired behavior."), e.getMessage());
        Tensor[] g = Autograd.grad(new Tensor[] {x.mul(2).sum()}, new Tensor[] {x, z}, null, false, false, true);
        assertEquals(2.0, g[0].item());
        assertNull(g[1]);
    }

    @Test
    void gradWithoutRetainGraphFreesTheGraph() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor y = x.pow(3).sum();
        Autograd.grad(y, x);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.grad(y, x));
        assertTrue(e.getMessage().contains("Trying to backward through the graph a second time"), e.getMessage());
        Tensor y2 = x.pow(3).sum();
        Autograd.grad(new Tensor[] {y2}, new Tensor[] {x}, null, true, false, false);
        assertEquals(12.0, Autograd.grad(y2, x)[0].item(), 1e-12); // 3x^2 again
    }

    @Test
    void gradOfATensorThatDoesNotRequireGradFails() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        Tensor c = Tensor.of(new double[] {1});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autograd.grad(x.mul(c).sum(), c));
        assertTrue(e.getMessage().contains("One of the differentiated Tensors does not require grad"), e.getMessage());
        IllegalStateException e2 = assertThrows(IllegalStateException.class, () -> Autograd.grad(c.sum(), x));
        assertTrue(e2.getMessage().contains("does not require grad and does not have a grad_fn"), e2.getMessage());
    }

    @Test
    void backwardFromSeveralRoots() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        // d/dx [sum(2x)] + [1, 10] . d/dx x^2 = 2 + [2, 40]
        Autograd.backward(new Tensor[] {x.mul(2).sum(), x.pow(2)}, new Tensor[] {null, Tensor.of(new double[] {1, 10})},
                false, false);
        assertArrayEquals(new double[] {4, 42}, x.grad().toDoubleArray(), 1e-12);
    }

    // ---- hooks ----

    @Test
    void leafHookSeesAndReplacesTheGradientBeforeAccumulation() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        List<double[]> seen = new ArrayList<>();
        HookHandle h = x.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return g.mul(10);
        });
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {3, 3}, seen.get(0), 1e-12);
        assertArrayEquals(new double[] {30, 30}, x.grad().toDoubleArray(), 1e-12);
        h.close();
        x.zeroGrad();
        x.mul(3).sum().backward();
        assertEquals(1, seen.size(), "a removed hook is not called");
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void nonLeafHookChangesWhatFlowsOnAndNullKeepsIt() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        Tensor h = x.mul(2);
        int[] calls = {0};
        h.registerHook(g -> {
            calls[0]++;
            return null; // observe only
        });
        h.registerHook(Tensor::neg);
        h.mul(5).sum().backward();
        assertEquals(1, calls[0]);
        assertEquals(-10.0, x.grad().item(), 1e-12); // 2 * -(5)
    }

    @Test
    void postAccumulateGradHookRunsAfterAccumulation() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        double[] seen = {Double.NaN};
        x.registerPostAccumulateGradHook(t -> seen[0] = t.grad().item());
        x.mul(4).sum().backward();
        assertEquals(4.0, seen[0], 1e-12);
        x.mul(4).sum().backward();
        assertEquals(8.0, seen[0], 1e-12, "called after accumulating into the existing .grad");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> x.mul(2).registerPostAccumulateGradHook(t -> {}));
        assertTrue(e.getMessage().contains("post accumulate grad hooks cannot be registered on non-leaf tensors"));
    }

    @Test
    void hookOnATensorWithoutGradFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Tensor.ones(1).registerHook(g -> g));
        assertTrue(e.getMessage().contains("cannot register a hook on a tensor that doesn't require gradient"));
    }

    @Test
    void exceptionInAHookSurfacesFromBackward() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        x.registerHook(g -> {
            throw new UnsupportedOperationException("boom in hook");
        });
        Tensor y = x.mul(2).sum();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, y::backward);
        assertEquals("boom in hook", e.getMessage());
        assertNull(x.grad());
        // The thread is fine afterwards.
        Tensor z = Tensor.of(new double[] {1}).requiresGrad(true);
        z.mul(3).sum().backward();
        assertEquals(3.0, z.grad().item());
    }

    @Test
    void hookWithWrongShapeFails() {
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        x.registerHook(g -> Tensor.ones(DType.FLOAT64, 3));
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> x.sum().backward());
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void hookUnderCreateGraphCanRecord() {
        Tensor x = Tensor.of(new double[] {3}).requiresGrad(true);
        HookHandle h = x.registerHook(g -> g.mul(x)); // replaces dy/dx by x * dy/dx
        Tensor y = x.pow(2).sum();
        Tensor g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x}, null, false, true, false)[0];
        assertEquals(18.0, g.item(), 1e-12); // x * 2x
        Tensor gs = g.sum();
        // The hook also sees the second pass's gradient d/dx 2x^2 = 4x = 12, and makes it x * 12 = 36.
        assertEquals(36.0, Autograd.grad(new Tensor[] {gs}, new Tensor[] {x}, null, true, false, false)[0].item(), 1e-12);
        h.close();
        assertEquals(12.0, Autograd.grad(gs, x)[0].item(), 1e-12); // without it: 4x
    }

    // ---- custom functions ----

    /** y = x^3 with a hand-written backward 3x^2 * g, written with Nabla ops. */
    static final class Cube extends Function {
        int backwardCalls;

        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            assertFalse(GradMode.isEnabled(), "forward runs without grad");
            ctx.saveForBackward(in[0]);
            return new Tensor[] {in[0].pow(3)};
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... gradOut) {
            backwardCalls++;
            Tensor x = ctx.savedTensors()[0];
            return new Tensor[] {x.pow(2).mul(3).mul(gradOut[0])};
        }
    }

    @Test
    void customCubeGradientAndSecondDerivative() {
        Tensor x = Tensor.of(new double[] {2, -1}).requiresGrad(true);
        Cube cube = new Cube();
        Tensor y = cube.apply(x);
        assertEquals("CubeBackward", y.gradFn());
        assertArrayEquals(new double[] {8, -1}, y.toDoubleArray(), 1e-12);
        y.sum().backward(null, false, true);
        assertArrayEquals(new double[] {12, 3}, x.grad().toDoubleArray(), 1e-12); // 3x^2
        Tensor first = x.grad().clone();
        x.zeroGrad();
        first.sum().backward();
        assertArrayEquals(new double[] {12, -6}, x.grad().toDoubleArray(), 1e-12); // 6x
        assertEquals(1, cube.backwardCalls);
    }

    @Test
    void customFunctionWithTwoInputsAndTwoOutputs() {
        // (a, b) -> (a * b, a + b); backward: da = g0 * b + g1, db = g0 * a + g1
        Function f = new Function() {
            @Override
            protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
                ctx.saveForBackward(in[0], in[1]);
                return new Tensor[] {in[0].mul(in[1]), in[0].add(in[1])};
            }

            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor... g) {
                Tensor[] s = ctx.savedTensors();
                return new Tensor[] {g[0].mul(s[1]).add(g[1]), ctx.needsInputGrad(1) ? g[0].mul(s[0]).add(g[1]) : null};
            }
        };
        Tensor a = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {5});
        Tensor[] out = f.applyAll(a, b);
        assertEquals("FunctionBackward", out[0].gradFn());
        // only the product is used: the sum's gradient is materialized as zeros. d(ab)/da = b = 5
        out[0].sum().backward();
        assertEquals(5.0, a.grad().item(), 1e-12);
        assertThrows(IllegalStateException.class, () -> f.apply(a, b), "two outputs: apply refuses");
    }

    @Test
    void customFunctionBackwardTwiceFails() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor y = new Cube().apply(x).sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("Trying to backward through the graph a second time"), e.getMessage());
    }

    @Test
    void customFunctionSeesASavedTensorModifiedInPlace() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor h = x.mul(1);
        Tensor y = new Cube().apply(h).sum();
        h.addInPlace(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("one of the variables needed for gradient computation has been modified by "
                + "an inplace operation: [torch.DoubleTensor [1]] is at version 1; expected version 0 instead."),
                e.getMessage());
    }

    @Test
    void customFunctionReturningWrongGradientCountFails() {
        Function f = new Function() {
            @Override
            protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
                return new Tensor[] {in[0].mul(2)};
            }

            @Override
            protected Tensor[] backward(FunctionContext ctx, Tensor... g) {
                return new Tensor[] {g[0], g[0]};
            }
        };
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.apply(x).sum().backward());
        assertTrue(e.getMessage().contains("returned an incorrect number of gradients (expected 1, got 2)"),
                e.getMessage());
    }

    @Test
    void customFunctionWithoutGradRecordsNothing() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        try (var g = GradMode.noGrad()) {
            Tensor y = new Cube().apply(x);
            assertNull(y.gradFn());
            assertFalse(y.requiresGrad());
        }
    }

    @Test
    void callbackEntriesAreReleasedWithTheGraph() {
        int before = Callbacks.size();
        try (TensorScope s = TensorScope.open()) {
            Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
            x.registerHook(g -> null);
            Tensor y = new Cube().apply(x);
            y.registerHook(g -> null);
            y.sum().backward();
            assertEquals(before + 3, Callbacks.size());
        }
        assertEquals(before, Callbacks.size(), "the hooks and the function went with their tensors");
    }

    // ---- detachInPlace and grad mode ----

    @Test
    void detachInPlaceMakesALeafThatDoesNotRequireGrad() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        Tensor y = x.mul(2);
        assertSame(y, y.detachInPlace());
        assertTrue(y.isLeaf());
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.detach().detachInPlace());
        assertTrue(e.getMessage().contains("Can't detach views in-place. Use detach() instead."), e.getMessage());
    }

    @Test
    void enableGradInsideNoGradRecords() {
        Tensor x = Tensor.of(new double[] {3}).requiresGrad(true);
        try (var off = GradMode.noGrad()) {
            assertNull(x.mul(2).gradFn());
            try (var on = GradMode.enableGrad()) {
                Tensor y = x.pow(2);
                assertEquals("PowBackward0", y.gradFn());
                y.backward();
                assertEquals(6.0, x.grad().item(), 1e-12); // 2x
            }
            assertFalse(GradMode.isEnabled());
        }
    }

    // ---- anomaly mode ----

    private static Tensor sqrtAtZeroTimesZero(Tensor x) {
        return x.pow(0.5).mul(0).sum(); // d/dx sqrt(x) = 0.5/sqrt(x) is inf at 0, times 0: nan
    }

    @Test
    void anomalyModeNamesTheNodeAndTheForwardCall() {
        Tensor x = Tensor.of(new double[] {0, 1}).requiresGrad(true);
        try (var a = Autograd.detectAnomaly()) {
            assertTrue(Autograd.isAnomalyEnabled());
            assertTrue(GradMode.isEnabled(), "anomaly mode leaves grad mode alone");
            Tensor y = sqrtAtZeroTimesZero(x);
            IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
            assertTrue(e.getMessage().startsWith("Function 'PowBackward0' returned nan values in its 0th output."),
                    e.getMessage());
            assertTrue(e.getMessage().contains("sqrtAtZeroTimesZero"), "the forward stack: " + e.getMessage());
        }
        assertFalse(Autograd.isAnomalyEnabled());
        // Outside anomaly mode the nan flows into .grad, as in PyTorch.
        sqrtAtZeroTimesZero(x).backward();
        assertTrue(Double.isNaN(x.grad().toDoubleArray()[0]));
    }

    @Test
    void anomalyAndGradModeGuardsNest() {
        try (var a = Autograd.detectAnomaly()) {
            try (var g = GradMode.noGrad()) {
                assertTrue(Autograd.isAnomalyEnabled());
                assertFalse(GradMode.isEnabled());
            }
            assertTrue(Autograd.isAnomalyEnabled());
            assertTrue(GradMode.isEnabled());
        }
        assertFalse(Autograd.isAnomalyEnabled());
    }

    // ---- PyTorch's autograd errors ----

    @Test
    void pytorchErrorMessages() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        // backward twice
        Tensor y = x.pow(3).sum();
        y.backward();
        IllegalStateException twice = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(twice.getMessage().contains("Trying to backward through the graph a second time"));
        // a saved tensor modified in place, with versions
        Tensor h = x.mul(1);
        Tensor z = h.pow(2).sum();
        h.mulInPlace(2);
        IllegalStateException saved = assertThrows(IllegalStateException.class, z::backward);
        assertTrue(saved.getMessage().contains("modified by an inplace operation")
                && saved.getMessage().contains("is at version 1; expected version 0 instead"), saved.getMessage());
        // in-place on a leaf that requires grad
        IllegalStateException leaf = assertThrows(IllegalStateException.class, () -> x.addInPlace(1));
        assertTrue(leaf.getMessage().contains("a leaf Variable that requires grad is being used in an in-place operation."));
        // backward of a tensor that does not require grad
        IllegalStateException noGrad = assertThrows(IllegalStateException.class, () -> Tensor.ones(2).sum().backward());
        assertTrue(noGrad.getMessage().contains("element 0 of tensors does not require grad and does not have a grad_fn"));
        assertNotNull(x.grad());
    }
}
