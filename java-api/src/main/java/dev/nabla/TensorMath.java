package dev.nabla;

/**
 * Elementwise math, comparisons and logical ops (native: ops/unary.cpp, ops/compare.cpp and friends).
 *
 * <p>One family of {@link Tensor}'s methods, kept in its own file: {@code Tensor} implements this sealed
 * interface, so each method here is an ordinary public method of every tensor. Each is a call into the
 * native op registry through {@link Ops}.
 */
public sealed interface TensorMath permits Tensor {
    /** The tensor the default methods act on. */
    private Tensor self() {
        return (Tensor) this;
    }
}
