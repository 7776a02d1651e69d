package dev.nabla;

/** The tests of package dev.nabla: the leak check plus random-input helpers. */
abstract class NablaTestBase extends LeakCheckedTest {
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
