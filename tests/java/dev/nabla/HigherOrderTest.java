package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Higher-order gradients beyond the per-op second-order checks of the GradCheckCases families: a
 * Hessian-vector product of a network loss (the README's recipe), second derivatives at special
 * points (prod with a zero), and custom Functions that save their own output.
 */
class HigherOrderTest extends NablaTestBase {

    /** A small softmax classifier: mean cross entropy of softmax(tanh(x W1) W2) against one-hot labels. */
    private static Tensor classifierLoss(Tensor x, Tensor w1, Tensor w2, Tensor onehot) {
        Tensor logits = x.matmul(w1).tanh().matmul(w2);
        // Both softmax and logSoftmax: log(softmax) for half the loss, logSoftmax for the other half.
        Tensor a = logits.logSoftmax(1).mul(onehot).sum().neg();
        Tensor b = logits.softmax(1).add(1e-3).log().mul(onehot).sum().neg();
        return a.add(b).div(2 * x.shape().dims()[0]);
    }

    @Test
    void hessianVectorProductOfASoftmaxClassifierMatchesFiniteDifferences() {
        Tensor x = randn(1, 5, 4);
        Tensor w1 = randn(2, 4, 6).mul(0.5).requiresGrad(true);
        Tensor w2 = randn(3, 6, 3).mul(0.5).requiresGrad(true);
        Tensor onehot = Tensor.of(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}, {0, 1, 0}});
        Tensor v1 = randn(4, 4, 6);
        Tensor v2 = randn(5, 6, 3);

        // The README's recipe: g = grad(loss, params, createGraph), then grad(<g, v>, params).
        Tensor loss = classifierLoss(x, w1, w2, onehot);
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, new Tensor[] {w1, w2}, null, false, true, false);
        Tensor gv = g[0].mul(v1).sum().add(g[1].mul(v2).sum());
        Tensor[] hv = Autograd.grad(gv, w1, w2);

        // (grad(w + eps v) - grad(w - eps v)) / (2 eps), each gradient by a plain backward.
        double eps = 1e-5;
        double[][] plus = gradientsAt(x, w1, w2, v1, v2, onehot, eps);
        double[][] minus = gradientsAt(x, w1, w2, v1, v2, onehot, -eps);
        Tensor[] hvs = {hv[0], hv[1]};
        for (int k = 0; k < 2; k++) {
            double[] analytic = hvs[k].toDoubleArray();
            double worst = 0;
            for (int i = 0; i < analytic.length; i++) {
                double numerical = (plus[k][i] - minus[k][i]) / (2 * eps);
                worst = Math.max(worst, Math.abs(analytic[i] - numerical) / (1e-6 + Math.abs(numerical)));
            }
            assertTrue(worst < 1e-4, "HVP of w" + (k + 1) + " differs from finite differences: rel " + worst);
        }
        // Not all zero: the second derivative through softmax/logSoftmax is really there.
        assertTrue(hvs[1].abs().sum().item() > 1e-3);
    }

    private static double[][] gradientsAt(Tensor x, Tensor w1, Tensor w2, Tensor v1, Tensor v2, Tensor onehot,
            double step) {
        try (TensorScope s = TensorScope.open()) {
            Tensor a = w1.detach().add(v1.mul(step)).requiresGrad(true);
            Tensor b = w2.detach().add(v2.mul(step)).requiresGrad(true);
            Tensor[] g = Autograd.grad(classifierLoss(x, a, b, onehot), a, b);
            return new double[][] {g[0].toDoubleArray(), g[1].toDoubleArray()};
        }
    }

    @Test
    void secondDerivativeOfProdWithOneZero() {
        // p = x0 x1 x2 at x = (0, 2, 3). The Hessian is H[i][j] = product of the third element
        // (i != j), 0 on the diagonal: H = [[0, 3, 2], [3, 0, 0], [2, 0, 0]].
        // H (1, 1, 1) = (3 + 2, 3, 2) = (5, 3, 2).
        Tensor x = Tensor.of(new double[] {0, 2, 3}, 3).requiresGrad(true);
        Tensor[] g = Autograd.grad(new Tensor[] {x.prod()}, new Tensor[] {x}, null, false, true, false);
        assertArrayEquals(new double[] {6, 0, 0}, g[0].toDoubleArray(), 1e-12); // (x1 x2, x0 x2, x0 x1)
        Tensor[] h = Autograd.grad(g[0].sum(), x);
        assertArrayEquals(new double[] {5, 3, 2}, h[0].toDoubleArray(), 1e-12);
    }

    @Test
    void secondDerivativeOfProdWithTwoZerosAlongADim() {
        // Row (0, 0, 4): the gradient is (0, 0, 0); its derivative d/dx_j sum_i g_i = sum_{i != j}
        // prod_{k != i, j} x_k: for j = 0: x2 + x1 = 4, j = 1: x2 + x0 = 4, j = 2: x1 + x0 = 0.
        // Row (1, 2, 3): sum_{i != j} of the third element: j = 0: 3 + 2 = 5, j = 1: 3 + 1 = 4, j = 2: 3.
        Tensor x = Tensor.of(new double[][] {{0, 0, 4}, {1, 2, 3}}).requiresGrad(true);
        Tensor[] g = Autograd.grad(new Tensor[] {x.prod(1, false).sum()}, new Tensor[] {x}, null, false, true, false);
        assertArrayEquals(new double[] {0, 0, 0, 6, 3, 2}, g[0].toDoubleArray(), 1e-12);
        Tensor[] h = Autograd.grad(g[0].sum(), x);
        assertArrayEquals(new double[] {4, 4, 0, 5, 4, 3}, h[0].toDoubleArray(), 1e-12);
    }

    @Test
    void secondOrderChecksOfTheRecomputedReductionFactors() {
        // std and norm 2 with several dims, logsumexp over all dims, softmax over dim 0.
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> in[0].std(new int[] {0, 2}, 1, true),
                randn(10, 2, 3, 2).requiresGrad(true));
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> in[0].norm(2, new int[] {1}, false),
                randn(11, 3, 4).requiresGrad(true));
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> in[0].logsumexp(new int[] {0, 1}, false),
                randn(12, 3, 4).requiresGrad(true));
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> in[0].softmax(0).mul(in[0]),
                randn(13, 3, 4).requiresGrad(true));
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> in[0].logSoftmax(0).pow(2),
                randn(14, 3, 4).requiresGrad(true));
    }

    /** sigmoid as a custom Function that saves its output: d/dx = y (1 - y). */
    static final class SavedOutputSigmoid extends Function {
        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor y = in[0].sigmoid();
            ctx.saveForBackward(y);
            return new Tensor[] {y};
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... gradOut) {
            Tensor y = ctx.savedTensors()[0];
            return new Tensor[] {gradOut[0].mul(y).mul(y.rsub(1))};
        }
    }

    /** exp and x^2 as two outputs, both saved with the input: d/dx = g0 e + g1 2x. */
    static final class TwoOutputs extends Function {
        @Override
        protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
            Tensor e = in[0].exp();
            Tensor sq = in[0].mul(in[0]);
            ctx.saveForBackward(in[0], e, sq);
            return new Tensor[] {e, sq};
        }

        @Override
        protected Tensor[] backward(FunctionContext ctx, Tensor... gradOut) {
            Tensor[] s = ctx.savedTensors();
            return new Tensor[] {gradOut[0].mul(s[1]).add(gradOut[1].mul(s[0]).mul(2))};
        }
    }

    @Test
    void customFunctionSavingItsOutputHasExactSecondDerivatives() {
        Tensor x = randn(20, 3, 4).requiresGrad(true);
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> new SavedOutputSigmoid().apply(in[0]), x);
        GradCheck.options().rtol(1e-4).checkSecondOrder(in -> {
            Tensor[] o = new TwoOutputs().applyAll(in[0]);
            return o[0].add(o[1].mul(0.5));
        }, x);

        // Known value: d2/dx2 sigmoid = y (1 - y) (1 - 2y); at x = 0, y = 1/2: 0. At x = 1,
        // y = 0.7310586: 0.7310586 * 0.2689414 * (1 - 1.4621172) = -0.0908577.
        Tensor t = Tensor.of(new double[] {0, 1}, 2).requiresGrad(true);
        Tensor y = new SavedOutputSigmoid().apply(t);
        Tensor[] g = Autograd.grad(new Tensor[] {y.sum()}, new Tensor[] {t}, null, false, true, false);
        Tensor[] h = Autograd.grad(g[0].sum(), t);
        assertArrayEquals(new double[] {0, -0.0908577}, h[0].toDoubleArray(), 1e-7);
    }

    @Test
    void customFunctionSavedOutputOutsideCreateGraphIsAsSaved() {
        // Without createGraph the saved output is the plain one: backward still gives the first derivative,
        // and a second backward with retainGraph works (the node's reattached aliases are not kept).
        Tensor x = randn(21, 4).requiresGrad(true);
        Tensor y = new SavedOutputSigmoid().apply(x);
        y.sum().backward(null, true, false);
        double[] first = x.grad().toDoubleArray();
        y.sum().backward();
        double[] twice = x.grad().toDoubleArray();
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double s = 1 / (1 + Math.exp(-xs[i]));
            assertEquals(s * (1 - s), first[i], 1e-12); // d/dx sigmoid = s (1 - s)
            assertEquals(2 * s * (1 - s), twice[i], 1e-12);
        }
    }
}
