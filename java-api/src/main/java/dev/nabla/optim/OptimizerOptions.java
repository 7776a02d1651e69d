package dev.nabla.optim;

/**
 * The hyper-parameters of one parameter group: an immutable record with a learning rate, like the
 * entries of a PyTorch {@code param_group} dict. Each record has a "wither" per field, e.g.
 * {@code SGD.options().lr(0.1).momentum(0.9)}, returning a changed copy.
 *
 * @param <O> the record type itself
 */
public interface OptimizerOptions<O extends OptimizerOptions<O>> {
    /** The learning rate. */
    double lr();

    /** A copy with learning rate {@code lr}. */
    O lr(double lr);

    /**
     * Checks the values the way PyTorch's constructor does.
     *
     * @throws IllegalArgumentException naming the optimizer and the bad value, e.g.
     *     {@code "SGD: invalid learning rate: -1.0"}
     */
    void validate();
}
