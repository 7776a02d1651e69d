package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Each test in a scope; modules must be closed by the test; no native tensor may leak. */
abstract class NnTestBase {
    private long liveBefore;
    private TensorScope scope;

    @BeforeEach
    void open() {
        liveBefore = Nabla.liveTensors();
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
        assertEquals(true, GradMode.isEnabled(), "grad mode leaked out of the test");
        assertEquals(liveBefore, Nabla.liveTensors(), "native tensors leaked by the test");
    }

    static void assertValues(double[] expected, Tensor actual, double tol) {
        assertArrayEquals(expected, actual.to(dev.nabla.DType.FLOAT64).toDoubleArray(), tol, actual.toString());
    }
}
