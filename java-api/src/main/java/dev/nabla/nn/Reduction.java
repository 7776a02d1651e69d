package dev.nabla.nn;

import dev.nabla.Tensor;

/** How a loss combines its per-element values, like PyTorch's {@code reduction=} argument. */
public enum Reduction {
    /** No reduction: one value per element (or per sample). */
    NONE,
    /** The mean (for the class losses: over the non-ignored targets). */
    MEAN,
    /** The sum. */
    SUM;

    /** Applies this reduction to per-element losses. */
    Tensor apply(Tensor losses) {
        return switch (this) {
            case NONE -> losses;
            case MEAN -> losses.mean();
            case SUM -> losses.sum();
        };
    }
}
