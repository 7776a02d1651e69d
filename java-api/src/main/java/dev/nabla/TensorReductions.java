package dev.nabla;

import static dev.nabla.ReduceOps.flag;
import static dev.nabla.ReduceOps.ints;
import static dev.nabla.ReduceOps.one;

/**
 * Reductions, softmax and linear algebra beyond the core ops (native: ops/reduce_ext.cpp, ops/matmul.cpp).
 *
 * <p>One family of {@link Tensor}'s methods, kept in its own file: {@code Tensor} implements this sealed
 * interface, so each method here is an ordinary public method of every tensor. Each is a call into the
 * native op registry through {@link Ops}.
 *
 * <p>Common to all: dims may be negative (counted from the end); a dim out of range, or one given twice,
 * throws {@link IllegalArgumentException} naming the op; an empty {@code dims} array means every dim, as in
 * PyTorch. With {@code keepDim} the reduced dims stay, with size 1. Inputs must be float32 or float64.
 */
public sealed interface TensorReductions permits Tensor {
    /** The tensor the default methods act on. */
    private Tensor self() {
        return (Tensor) this;
    }

    // ---- prod ----

    /**
     * The product of all elements, a 0-d tensor (like {@code torch.prod}). Its gradient is the product of
     * the other elements, correct also when the input holds one zero or several.
     */
    default Tensor prod() {
        return Ops.call(ReduceOps.PROD, self());
    }

    /** The product along {@code dim} (like {@code torch.prod(x, dim, keepdim)}). */
    default Tensor prod(int dim, boolean keepDim) {
        return one(ReduceOps.PROD_DIM, self(), new long[] {dim, flag(keepDim)});
    }

    // ---- max, min, amax, amin, argmax, argmin ----

    /**
     * The largest element, a 0-d tensor (like {@code torch.max(x)}); NaN if any element is NaN. The gradient
     * is split evenly among the elements equal to the max. An empty tensor throws
     * {@link IllegalArgumentException}.
     */
    default Tensor max() {
        return Ops.call(ReduceOps.MAX, self());
    }

    /**
     * The max along {@code dim} and its position (like {@code torch.max(x, dim, keepdim)}): values, whose
     * gradient goes to the chosen element, and int64 indices (the first among ties; a NaN wins).
     */
    default ValuesIndices max(int dim, boolean keepDim) {
        return ReduceOps.valuesIndices(ReduceOps.MAX_DIM, self(), dim, keepDim);
    }

    /** The smallest element, a 0-d tensor (like {@code torch.min(x)}); see {@link #max()}. */
    default Tensor min() {
        return Ops.call(ReduceOps.MIN, self());
    }

    /** The min along {@code dim} and its position (like {@code torch.min(x, dim, keepdim)}); see {@link #max(int, boolean)}. */
    default ValuesIndices min(int dim, boolean keepDim) {
        return ReduceOps.valuesIndices(ReduceOps.MIN_DIM, self(), dim, keepDim);
    }

    /**
     * The max over {@code dims} (like {@code torch.amax}); the gradient is split evenly among ties, as
     * PyTorch does. A reduced dim of size 0 throws {@link IllegalArgumentException}.
     */
    default Tensor amax(int[] dims, boolean keepDim) {
        return one(ReduceOps.AMAX, self(), ints(dims, flag(keepDim)));
    }

    /** The min over {@code dims} (like {@code torch.amin}); see {@link #amax(int[], boolean)}. */
    default Tensor amin(int[] dims, boolean keepDim) {
        return one(ReduceOps.AMIN, self(), ints(dims, flag(keepDim)));
    }

    /** The row-major flat index of the largest element, an int64 0-d tensor (like {@code torch.argmax(x)}); not differentiable. */
    default Tensor argmax() {
        return Ops.call(ReduceOps.ARGMAX, self());
    }

    /** The position of the max along {@code dim}, int64 (like {@code torch.argmax(x, dim, keepdim)}). */
    default Tensor argmax(int dim, boolean keepDim) {
        return one(ReduceOps.ARGMAX_DIM, self(), new long[] {dim, flag(keepDim)});
    }

    /** The row-major flat index of the smallest element, an int64 0-d tensor (like {@code torch.argmin(x)}). */
    default Tensor argmin() {
        return Ops.call(ReduceOps.ARGMIN, self());
    }

    /** The position of the min along {@code dim}, int64 (like {@code torch.argmin(x, dim, keepdim)}). */
    default Tensor argmin(int dim, boolean keepDim) {
        return one(ReduceOps.ARGMIN_DIM, self(), new long[] {dim, flag(keepDim)});
    }

    // ---- var, std ----

    /** The variance of all elements with Bessel's correction (like {@code torch.var(x)}, correction 1). */
    default Tensor var() {
        return var(new int[0], 1, false);
    }

    /**
     * The variance over {@code dims}: sum((x - mean)^2) / (N - correction) (like
     * {@code torch.var(x, dims, correction=, keepdim=)}); N - correction &lt;= 0 gives inf or NaN, as in PyTorch.
     * A negative correction throws {@link IllegalArgumentException}.
     */
    default Tensor var(int[] dims, int correction, boolean keepDim) {
        return one(ReduceOps.VAR, self(), ints(dims, correction, flag(keepDim)));
    }

    /** The standard deviation of all elements, correction 1 (like {@code torch.std(x)}). */
    default Tensor std() {
        return std(new int[0], 1, false);
    }

    /**
     * The standard deviation over {@code dims}, sqrt of {@link #var(int[], int, boolean)} (like
     * {@code torch.std}); its gradient is 0 where the result is 0, as in PyTorch.
     */
    default Tensor std(int[] dims, int correction, boolean keepDim) {
        return one(ReduceOps.STD, self(), ints(dims, correction, flag(keepDim)));
    }

    // ---- norm, logsumexp ----

    /**
     * The vector p-norm of all elements (like {@code torch.linalg.vector_norm(x, p)}): p = 1, 2 or
     * {@link Double#POSITIVE_INFINITY}; any other p throws {@link IllegalArgumentException}. For p = 2 the
     * gradient at a zero norm is 0, as PyTorch masks it; for inf it is split evenly among ties.
     */
    default Tensor norm(double p) {
        return one(ReduceOps.NORM, self(), new double[] {p}, new long[] {0});
    }

    /** The p-norm over {@code dims} (like {@code torch.linalg.vector_norm(x, p, dims, keepdim)}); see {@link #norm(double)}. */
    default Tensor norm(double p, int[] dims, boolean keepDim) {
        return one(ReduceOps.NORM, self(), new double[] {p}, ints(dims, flag(keepDim)));
    }

    /**
     * log(sum(exp(x))) over {@code dims} (like {@code torch.logsumexp}), computed with the max subtracted so
     * that large inputs do not overflow.
     */
    default Tensor logsumexp(int[] dims, boolean keepDim) {
        return one(ReduceOps.LOGSUMEXP, self(), ints(dims, flag(keepDim)));
    }

    // ---- softmax ----

    /** exp(x) / sum(exp(x)) along {@code dim} (like {@code torch.softmax}), computed with the max subtracted. */
    default Tensor softmax(int dim) {
        return one(ReduceOps.SOFTMAX, self(), new long[] {dim});
    }

    /** x - logsumexp(x) along {@code dim} (like {@code torch.log_softmax}), stable for large inputs. */
    default Tensor logSoftmax(int dim) {
        return one(ReduceOps.LOG_SOFTMAX, self(), new long[] {dim});
    }

    // ---- linear algebra ----

    /**
     * The batched matrix product of [b, n, m] and [b, m, p] tensors (like {@code torch.bmm}): no broadcasting;
     * other shapes throw {@link ShapeMismatchException}. Use {@link Tensor#matmul} for broadcast batches.
     */
    default Tensor bmm(Tensor other) {
        return Ops.call(ReduceOps.BMM, self(), other);
    }

    /** The outer product of two 1-d tensors, [n] x [m] -> [n, m] (like {@code torch.outer}). */
    default Tensor outer(Tensor other) {
        return Ops.call(ReduceOps.OUTER, self(), other);
    }

    /**
     * The inner product of two 1-d tensors of one length, a 0-d tensor (like {@code torch.dot}); other ranks
     * or lengths throw {@link ShapeMismatchException}.
     */
    default Tensor dot(Tensor other) {
        return Ops.call(ReduceOps.DOT, self(), other);
    }
}
