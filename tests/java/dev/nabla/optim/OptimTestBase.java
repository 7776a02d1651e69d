package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Runs each test in a TensorScope and checks that no native tensor leaks (as dev.nabla.NablaTestBase). */
abstract class OptimTestBase {
    private long liveBefore;
    private TensorScope testScope;
    private boolean gradBefore;

    @BeforeEach
    void openTestScope() {
        gradBefore = GradMode.isEnabled();
        liveBefore = Nabla.liveTensors();
        testScope = TensorScope.open();
    }

    @AfterEach
    void closeTestScope() {
        if (!testScope.isClosed()) {
            testScope.close();
        }
        assertEquals(gradBefore, GradMode.isEnabled(), "grad mode leaked out of the test");
        assertEquals(liveBefore, Nabla.liveTensors(), "native tensors leaked by the test");
    }

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
