package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.Tensor;

/** Tests of dev.nabla.nn: modules must be closed by the test, or the leak check fails. */
abstract class NnTestBase extends dev.nabla.LeakCheckedTest {
    static void assertValues(double[] expected, Tensor actual, double tol) {
        assertArrayEquals(expected, actual.to(dev.nabla.DType.FLOAT64).toDoubleArray(), tol, actual.toString());
    }
}
