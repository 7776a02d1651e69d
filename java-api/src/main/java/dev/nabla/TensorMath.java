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

    /** {@code e^x} elementwise (like {@code torch.exp}); int64/bool inputs give float32. */
    default Tensor exp() {
        return Ops.call(MathOps.EXP, self());
    }

    /** The natural logarithm (like {@code torch.log}): NaN for negative inputs, -inf at 0. */
    default Tensor log() {
        return Ops.call(MathOps.LOG, self());
    }

    /** {@code log(1 + x)}, accurate for small {@code x} (like {@code torch.log1p}). */
    default Tensor log1p() {
        return Ops.call(MathOps.LOG1P, self());
    }

    /** The square root (like {@code torch.sqrt}): NaN for negative inputs. */
    default Tensor sqrt() {
        return Ops.call(MathOps.SQRT, self());
    }

    /** {@code 1 / sqrt(x)} (like {@code torch.rsqrt}). */
    default Tensor rsqrt() {
        return Ops.call(MathOps.RSQRT, self());
    }

    /** The absolute value (like {@code torch.abs}); int64 stays int64. Its gradient is {@code sign(x)}, 0 at 0. */
    default Tensor abs() {
        return Ops.call(MathOps.ABS, self());
    }

    /** -1, 0 or 1 (like {@code torch.sign}; 0 for NaN, as PyTorch). Its gradient is 0. */
    default Tensor sign() {
        return Ops.call(MathOps.SIGN, self());
    }

    /** The sine (like {@code torch.sin}). */
    default Tensor sin() {
        return Ops.call(MathOps.SIN, self());
    }

    /** The cosine (like {@code torch.cos}). */
    default Tensor cos() {
        return Ops.call(MathOps.COS, self());
    }

    /** The hyperbolic tangent (like {@code torch.tanh}). */
    default Tensor tanh() {
        return Ops.call(MathOps.TANH, self());
    }

    /** {@code 1 / (1 + e^-x)} (like {@code torch.sigmoid}). */
    default Tensor sigmoid() {
        return Ops.call(MathOps.SIGMOID, self());
    }

    /** The error function (like {@code torch.erf}). */
    default Tensor erf() {
        return Ops.call(MathOps.ERF, self());
    }

    /** {@code max(x, 0)}, NaN kept (like {@code torch.relu}); int64 stays int64. */
    default Tensor relu() {
        return Ops.call(MathOps.RELU, self());
    }

    /** {@code x * sigmoid(x)} (like {@code torch.nn.functional.silu}). */
    default Tensor silu() {
        return Ops.call(MathOps.SILU, self());
    }

    /** {@code 1 / x} (like {@code torch.reciprocal}). */
    default Tensor reciprocal() {
        return Ops.call(MathOps.RECIPROCAL, self());
    }

    /** {@code x * x} (like {@code torch.square}); int64 stays int64. */
    default Tensor square() {
        return Ops.call(MathOps.SQUARE, self());
    }

    /** {@code leakyRelu(0.01)} (like {@code torch.nn.functional.leaky_relu}) */
    default Tensor leakyRelu() {
        return leakyRelu(0.01);
    }

    /** {@code x} for {@code x > 0}, else {@code negativeSlope * x} (like {@code F.leaky_relu(x, negative_slope)}). */
    default Tensor leakyRelu(double negativeSlope) {
        return Ops.call(MathOps.LEAKY_RELU, self(), negativeSlope);
    }

    /** {@code elu(1.0)} (like {@code torch.nn.functional.elu}) */
    default Tensor elu() {
        return elu(1.0);
    }

    /** {@code x} for {@code x > 0}, else {@code alpha * (e^x - 1)} (like {@code F.elu(x, alpha)}). */
    default Tensor elu(double alpha) {
        return Ops.call(MathOps.ELU, self(), alpha);
    }

    /** The exact GELU, {@code x * Phi(x)} (like {@code torch.nn.functional.gelu}). */
    default Tensor gelu() {
        return Ops.call(MathOps.GELU, self());
    }

    /**
     * GELU with {@code approximate} {@code "none"} (exact, {@code x * Phi(x)}) or {@code "tanh"}
     * ({@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}), like {@code F.gelu(x, approximate=...)}.
     *
     * @throws IllegalArgumentException for any other {@code approximate}
     */
    default Tensor gelu(String approximate) {
        return MathOps.gelu(self(), approximate);
    }

    /** {@code softplus(1, 20)} (like {@code torch.nn.functional.softplus}) */
    default Tensor softplus() {
        return softplus(1.0, 20.0);
    }

    /** {@code log(1 + e^(beta x)) / beta}, or {@code x} where {@code beta x > threshold} (like {@code F.softplus(x, beta, threshold)}). */
    default Tensor softplus(double beta, double threshold) {
        return Ops.call(MathOps.SOFTPLUS, self(), beta, threshold);
    }

    /** {@code min(max(x, min), max)} (like {@code torch.clamp(x, min, max)}): {@code max} everywhere when {@code min > max}; a NaN input or bound gives NaN. The gradient passes where {@code min <= x <= max}. */
    default Tensor clamp(double min, double max) {
        return MathOps.clamp(self(), true, min, true, max);
    }

    /** {@code max(x, min)} (like {@code torch.clamp(x, min=min)} / {@code clamp_min}). */
    default Tensor clampMin(double min) {
        return MathOps.clamp(self(), true, min, false, 0);
    }

    /** {@code min(x, max)} (like {@code torch.clamp(x, max=max)} / {@code clamp_max}). */
    default Tensor clampMax(double max) {
        return MathOps.clamp(self(), false, 0, true, max);
    }

    /** {@code this ^ exponent} elementwise, broadcasting (like {@code torch.pow(a, b)}); int64 to negative int64 powers throw {@link IllegalArgumentException}. */
    default Tensor pow(Tensor exponent) {
        return Ops.call(MathOps.POW, self(), exponent);
    }

    /** The elementwise maximum, broadcasting; NaN propagates (like {@code torch.maximum}). On ties the gradient is split half-half. */
    default Tensor maximum(Tensor other) {
        return Ops.call(MathOps.MAXIMUM, self(), other);
    }

    /** The elementwise minimum, broadcasting; NaN propagates (like {@code torch.minimum}). On ties the gradient is split half-half. */
    default Tensor minimum(Tensor other) {
        return Ops.call(MathOps.MINIMUM, self(), other);
    }

    /** {@code this == other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.eq}); NaN is unequal to everything. Not differentiable. */
    default Tensor eq(Tensor other) {
        return Ops.call(MathOps.EQ, self(), other);
    }

    /** {@code this == value} as a bool tensor (like {@code torch.eq(t, value)}). Not differentiable. */
    default Tensor eq(double value) {
        return Ops.call(MathOps.EQ_SCALAR, self(), value);
    }

    /** {@code this != other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.ne}); NaN is unequal to everything. Not differentiable. */
    default Tensor ne(Tensor other) {
        return Ops.call(MathOps.NE, self(), other);
    }

    /** {@code this != value} as a bool tensor (like {@code torch.ne(t, value)}). Not differentiable. */
    default Tensor ne(double value) {
        return Ops.call(MathOps.NE_SCALAR, self(), value);
    }

    /** {@code this < other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.lt}); NaN is unequal to everything. Not differentiable. */
    default Tensor lt(Tensor other) {
        return Ops.call(MathOps.LT, self(), other);
    }

    /** {@code this < value} as a bool tensor (like {@code torch.lt(t, value)}). Not differentiable. */
    default Tensor lt(double value) {
        return Ops.call(MathOps.LT_SCALAR, self(), value);
    }

    /** {@code this <= other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.le}); NaN is unequal to everything. Not differentiable. */
    default Tensor le(Tensor other) {
        return Ops.call(MathOps.LE, self(), other);
    }

    /** {@code this <= value} as a bool tensor (like {@code torch.le(t, value)}). Not differentiable. */
    default Tensor le(double value) {
        return Ops.call(MathOps.LE_SCALAR, self(), value);
    }

    /** {@code this > other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.gt}); NaN is unequal to everything. Not differentiable. */
    default Tensor gt(Tensor other) {
        return Ops.call(MathOps.GT, self(), other);
    }

    /** {@code this > value} as a bool tensor (like {@code torch.gt(t, value)}). Not differentiable. */
    default Tensor gt(double value) {
        return Ops.call(MathOps.GT_SCALAR, self(), value);
    }

    /** {@code this >= other} as a bool tensor, broadcasting, in the promoted dtype (like {@code torch.ge}); NaN is unequal to everything. Not differentiable. */
    default Tensor ge(Tensor other) {
        return Ops.call(MathOps.GE, self(), other);
    }

    /** {@code this >= value} as a bool tensor (like {@code torch.ge(t, value)}). Not differentiable. */
    default Tensor ge(double value) {
        return Ops.call(MathOps.GE_SCALAR, self(), value);
    }

    /** Elementwise logical and of the operands' truthiness (nonzero, NaN included, is true), broadcasting, any dtypes; a bool tensor (like {@code torch.logical_and}). */
    default Tensor logicalAnd(Tensor other) {
        return Ops.call(MathOps.LOGICAL_AND, self(), other);
    }

    /** Elementwise logical or of the operands' truthiness (nonzero, NaN included, is true), broadcasting, any dtypes; a bool tensor (like {@code torch.logical_or}). */
    default Tensor logicalOr(Tensor other) {
        return Ops.call(MathOps.LOGICAL_OR, self(), other);
    }

    /** Elementwise logical xor of the operands' truthiness (nonzero, NaN included, is true), broadcasting, any dtypes; a bool tensor (like {@code torch.logical_xor}). */
    default Tensor logicalXor(Tensor other) {
        return Ops.call(MathOps.LOGICAL_XOR, self(), other);
    }

    /** Elementwise logical not of the truthiness (zero gives true), any dtype; a bool tensor (like {@code torch.logical_not}). */
    default Tensor logicalNot() {
        return Ops.call(MathOps.LOGICAL_NOT, self());
    }
}
