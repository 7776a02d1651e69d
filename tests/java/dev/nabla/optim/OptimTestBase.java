package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.Tensor;
import dev.nabla.TensorScope;

/** Runs each test in a TensorScope and checks that no native tensor leaks (as dev.nabla.NablaTestBase). */
abstract class OptimTestBase extends dev.nabla.LeakCheckedTest {
    /** A float64 leaf that requires grad. */
    static Tensor param(double... values) {
        return Tensor.of(values, values.length).requiresGrad(true);
    }

    /** Sets {@code p.grad} to exactly {@code g}: backward of sum(p * g), whose gradient is g. */
    static void setGrad(Tensor p, double... g) {
        p.zeroGrad();
        try (TensorScope s = TensorScope.open()) {
            p.mul(Tensor.of(g, g.length)).sum().backward();
        }
    }

    static void assertValues(double[] expected, Tensor t, double tol) {
        assertArrayEquals(expected, t.toDoubleArray(), tol, () -> "got " + t);
    }
    /**
     * The fused step of a strided parameter (a transposed leaf: the native kernel works on contiguous copies
     * and writes them back) equals the step of the same values held contiguously, over three steps.
     */
    static void assertStridedParamStepsLikeContiguous(java.util.function.Function<Tensor, Optimizer<?>> make) {
        double[] values = {0.5, -1, 2, 0.25, -0.75, 1.5};
        double[][] grads = {{0.1, -0.2, 0.3, 0.05, 0.4, -0.6}, {-0.3, 0.2, 0.1, 0.7, -0.1, 0.2},
            {0.2, 0.2, -0.4, 0.1, 0.3, -0.5}};
        // logical [2, 3] held as the transpose of a contiguous [3, 2]
        double[] transposed = {values[0], values[3], values[1], values[4], values[2], values[5]};
        Tensor contiguous = Tensor.of(values, 2, 3).requiresGrad(true);
        Tensor strided = Tensor.of(transposed, 3, 2).t().detach().requiresGrad(true);
        org.junit.jupiter.api.Assertions.assertFalse(strided.isContiguous());
        try (Optimizer<?> a = make.apply(contiguous); Optimizer<?> b = make.apply(strided)) {
            for (double[] g : grads) {
                for (Tensor p : new Tensor[] {contiguous, strided}) {
                    p.zeroGrad();
                    try (TensorScope s = TensorScope.open()) {
                        p.mul(Tensor.of(g, 2, 3)).sum().backward();
                    }
                }
                a.step();
                b.step();
                assertArrayEquals(contiguous.toDoubleArray(), strided.toDoubleArray(), 0.0);
            }
        }
    }
}
