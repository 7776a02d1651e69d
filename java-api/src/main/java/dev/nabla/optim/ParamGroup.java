package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/**
 * One parameter group of an optimizer: its tensors and its own hyper-parameters, like an entry of
 * PyTorch's {@code optimizer.param_groups}. The learning rate and the other options may change between
 * steps ({@link #setLr}, {@link #setOptions}); the tensors may not.
 *
 * @param <O> the optimizer's options record
 */
public final class ParamGroup<O extends OptimizerOptions<O>> {
    private final List<Tensor> params;
    private O options;
    /** The lr when the first scheduler attached, like PyTorch's {@code group["initial_lr"]}; NaN before. */
    double initialLr = Double.NaN;

    ParamGroup(List<Tensor> params, O options) {
        this.params = List.copyOf(params);
        this.options = options;
    }

    /** The parameters of this group, unmodifiable. */
    public List<Tensor> params() {
        return params;
    }

    /** The hyper-parameters of this group. */
    public O options() {
        return options;
    }

    /**
     * Replaces the hyper-parameters (like assigning {@code group["momentum"] = 0.9}); state the new
     * options need (a momentum buffer, ...) is created by the next step.
     *
     * @throws IllegalArgumentException for invalid values (see {@link OptimizerOptions#validate()})
     */
    public void setOptions(O options) {
        options.validate();
        this.options = options;
    }

    /** The learning rate of this group (like {@code group["lr"]}). */
    public double lr() {
        return options.lr();
    }

    /**
     * Sets the learning rate of this group (like {@code group["lr"] = lr}); schedulers call this.
     *
     * @throws IllegalArgumentException for a negative or NaN learning rate
     */
    public void setLr(double lr) {
        O changed = options.lr(lr);
        changed.validate();
        options = changed;
    }
}
