package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Autograd semantics: accumulation, grad mode, zeroing, retained graphs, and PyTorch's errors. */
class AutogradTest extends NablaTestBase {

    @Test
    void gradientsAccumulateOverTwoBackwardCalls() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        // y = sum(x^2), so dy/dx = 2x; twice: 4x
        x.pow(2).sum().backward();
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray());
        x.pow(2).sum().backward();
        assertArrayEquals(new float[] {4, 8, 12}, x.grad().toFloatArray());
    }

    @Test
    void gradReturnsTheSameWrapperWhileTheGradientIsTheSame() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        assertNull(x.grad());
        x.sum().backward();
        Tensor g = x.grad();
        assertSame(g, x.grad());
        g.close();
        Tensor again = x.grad();
        assertNotNull(again);
        assertArrayEquals(new float[] {1, 1, 1}, again.toFloatArray());
    }

    @Test
    void noGradRecordsNothingAndRestoresTheMode() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertTrue(GradMode.isEnabled());
        try (var g = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            Tensor y = x.mul(2);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            assertTrue(y.isLeaf());
            try (var e = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                assertEquals("MulBackward0", x.mul(2).gradFn());
            }
            assertFalse(GradMode.isEnabled(), "closing the inner guard restores the outer mode");
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void backwardInsideNoGradStillComputesGradients() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor y = x.pow(2).sum();
        try (var g = GradMode.noGrad()) {
            // y = sum(x^2), so dy/dx = 2x; as in PyTorch, no_grad does not stop backward of a recorded graph
            y.backward();
        }
        assertArrayEquals(new float[] {2, 4}, x.grad().toFloatArray());
        assertFalse(x.grad().requiresGrad());
    }

    @Test
    void gradModeIsPerThread() throws Exception {
        try (var g = GradMode.noGrad()) {
            boolean[] other = new boolean[1];
            Thread t = Thread.ofVirtual().start(() -> other[0] = GradMode.isEnabled());
            t.join();
            assertTrue(other[0]);
            assertFalse(GradMode.isEnabled());
        }
    }

    @Test
    void zeroGradSetsToNoneByDefault() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        x.mul(3).sum().backward();
        assertNotNull(x.grad());
        x.zeroGrad();
        assertNull(x.grad());
        // y = sum(5x), so dy/dx = 5: a fresh gradient, not 3 + 5
        x.mul(5).sum().backward();
        assertArrayEquals(new float[] {5, 5}, x.grad().toFloatArray());
    }

    @Test
    void zeroGradWithoutSetToNoneKeepsAZeroTensor() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        x.mul(3).sum().backward();
        x.zeroGrad(false);
        assertArrayEquals(new float[] {0, 0}, x.grad().toFloatArray());
        x.mul(5).sum().backward();
        assertArrayEquals(new float[] {5, 5}, x.grad().toFloatArray());
    }

    @Test
    void gradZeroInPlaceLikeTheTutorial() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        x.mul(3).sum().backward();
        x.grad().zeroInPlace();
        x.mul(2).sum().backward();
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = Tensor.of(new float[] {2}).requiresGrad(true);
        Tensor y = x.pow(3).sum();
        // y = x^3, so dy/dx = 3x^2 = 12 at x = 2; two passes accumulate 24
        y.backward(null, true, false);
        y.backward();
        assertEquals(24.0, x.grad().item());
    }

    @Test
    void secondBackwardThroughAFreedGraphFails() {
        Tensor x = Tensor.of(new float[] {2}).requiresGrad(true);
        Tensor y = x.pow(3).sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("Trying to backward through the graph a second time"), e.getMessage());
    }

    @Test
    void createGraphGivesSecondDerivatives() {
        Tensor x = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor y = x.pow(3).sum();
        // y = x^3: dy/dx = 3x^2 = 12, d2y/dx2 = 6x = 12 at x = 2
        y.backward(null, false, true);
        Tensor dydx = x.grad();
        assertEquals(12.0, dydx.item(), 1e-12);
        assertTrue(dydx.requiresGrad(), "with createGraph the gradient is itself differentiable");
        Tensor first = dydx.clone();
        x.zeroGrad();
        first.sum().backward();
        assertEquals(12.0, x.grad().item(), 1e-12);
    }

    @Test
    void backwardWithAnExplicitGradient() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor y = x.mul(2);
        // dy_i/dx_i = 2, weighted by v = [1, 10, 100]
        y.backward(Tensor.of(new float[] {1, 10, 100}));
        assertArrayEquals(new float[] {2, 20, 200}, x.grad().toFloatArray());
    }

    @Test
    void backwardOnANonScalarWithoutGradientFails() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y = x.mul(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("grad can be implicitly created only for scalar outputs"), e.getMessage());
    }

    @Test
    void backwardOnATensorThatDoesNotRequireGradFails() {
        Tensor x = Tensor.ones(2).sum();
        RuntimeException e = assertThrows(IllegalStateException.class, x::backward);
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradFails() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.addInPlace(1));
        assertTrue(e.getMessage().contains("a leaf Variable that requires grad is being used in an in-place operation."),
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.mulInPlace(Tensor.ones(2)));
        assertArrayEquals(new float[] {1, 1}, w.toFloatArray(), "a failed in-place op changes nothing");
        try (var g = GradMode.noGrad()) {
            w.subInPlace(0.5);
        }
        assertArrayEquals(new float[] {0.5f, 0.5f}, w.toFloatArray());
    }

    @Test
    void modifyingASavedTensorFailsAtBackward() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor h = x.mul(1);
        Tensor y = h.pow(2).sum(); // saves h
        long v = h.version();
        h.addInPlace(1);
        assertEquals(v + 1, h.version());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
    }

    @Test
    void inPlaceOpsBumpTheVersion() {
        Tensor t = Tensor.zeros(3);
        long v0 = t.version();
        t.addInPlace(1).mulInPlace(2).subInPlace(Tensor.ones(3)).fillInPlace(7).zeroInPlace();
        assertEquals(v0 + 5, t.version());
        t.copyInPlace(Tensor.of(new float[] {1, 2, 3}));
        t.addInPlace(Tensor.ones(3), 10);
        assertArrayEquals(new float[] {11, 12, 13}, t.toFloatArray());
        t.mulInPlace(Tensor.of(new float[] {1, 0, -1})).subInPlace(Tensor.ones(3)).addInPlace(Tensor.ones(3));
        assertArrayEquals(new float[] {11, 0, -13}, t.toFloatArray());
    }

    @Test
    void retainGradKeepsANonLeafGradient() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor h = x.mul(3);
        h.retainGrad();
        // y = sum(h^2), h = 3x, so dy/dh = 2h = 6 and dy/dx = 18
        h.pow(2).sum().backward();
        assertArrayEquals(new float[] {6, 6}, h.grad().toFloatArray());
        assertArrayEquals(new float[] {18, 18}, x.grad().toFloatArray());
    }

    @Test
    void detachCutsTheGraphButSharesStorage() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        assertNull(d.gradFn());
        d.addInPlace(1); // allowed: d does not require grad; x sees it
        assertArrayEquals(new float[] {2, 2}, x.toFloatArray());
        // y = sum(x * d) with d constant, so dy/dx = d = 2
        x.mul(d).sum().backward();
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
    }

    @Test
    void requiresGradPropagates() {
        Tensor a = Tensor.ones(2);
        Tensor b = Tensor.ones(2).requiresGrad(true);
        assertFalse(a.add(a).requiresGrad());
        Tensor c = a.add(b);
        assertTrue(c.requiresGrad());
        assertFalse(c.isLeaf());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.INT64, 2).requiresGrad(true));
    }

    @Test
    void float32LeafGetsAFloat32GradThroughToFloat64() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        // y = sum(2 * float64(x)), so dy/dx = 2, in x's dtype
        x.to(DType.FLOAT64).mul(2).sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
    }
}
