package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs each test inside a {@link TensorScope} and checks that the native live-tensor count is back
 * where it started afterwards: a leak detector for every test.
 */
abstract class NablaTestBase {
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

    /** Standard normal float64 values from a fixed seed. */
    static Tensor randn(long seed, long... shape) {
        try (Generator g = new Generator(seed)) {
            return Tensor.randn(g, DType.FLOAT64, shape);
        }
    }

    /** Uniform float64 values in [0.5, 1.5): away from 0, for div and pow. */
    static Tensor positive(long seed, long... shape) {
        try (Generator g = new Generator(seed)) {
            Tensor u = Tensor.rand(g, DType.FLOAT64, shape);
            return u.add(0.5);
        }
    }
}
