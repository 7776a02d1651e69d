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
}
