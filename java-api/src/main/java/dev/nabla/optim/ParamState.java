package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The state an optimizer keeps for one parameter, like {@code optimizer.state[p]} in PyTorch: a step
 * count and named buffers ({@code "momentum_buffer"}, {@code "exp_avg"}, ...). It is empty until the
 * first {@link Optimizer#step()} that finds a gradient for the parameter; the optimizer creates the
 * buffers then, out of every {@link TensorScope}, owns them, and closes them in its
 * {@link Optimizer#close()}.
 */
public final class ParamState {
    private final Map<String, Tensor> buffers = new LinkedHashMap<>(4);
    private long step;

    ParamState() {}

    /** The number of steps that updated this parameter (PyTorch's {@code state["step"]}); 0 before the first. */
    public long step() {
        return step;
    }

    void incrementStep() {
        step++;
    }

    void setStep(long step) {
        this.step = step;
    }

    /** The buffer of this name, or null (before the first step, or when the options never needed it). */
    public Tensor get(String name) {
        return buffers.get(name);
    }

    /** The names of the buffers held, in the order they were made. */
    public Set<String> names() {
        return Collections.unmodifiableSet(buffers.keySet());
    }

    /** Whether this parameter has no state yet: no step taken and no buffer (PyTorch's {@code len(state) == 0}). */
    public boolean isEmpty() {
        return step == 0 && buffers.isEmpty();
    }

    /**
     * The buffer of this name, made now as zeros of {@code param}'s shape and dtype if absent, the way
     * PyTorch's optimizers initialize their state on a parameter's first step. The new buffer belongs to
     * the optimizer, not to the scope open on this thread. For use in {@link Optimizer#update}.
     */
    public Tensor zerosLike(String name, Tensor param) {
        Tensor t = buffers.get(name);
        if (t == null) {
            t = TensorScope.escape(Tensor.zeros(param.dtype(), param.shape().dims()));
            buffers.put(name, t);
        }
        return t;
    }

    /**
     * Stores {@code value} as the buffer of this name, taking it out of its scope: the optimizer owns it
     * from now on and closes it (and any buffer it replaces). Returns {@code value}. SGD uses it to start
     * its momentum buffer from a copy of the first gradient, as PyTorch does.
     */
    public Tensor put(String name, Tensor value) {
        TensorScope.escape(value);
        Tensor old = buffers.put(name, value);
        if (old != null && old != value) {
            old.close();
        }
        return value;
    }

    void close() {
        for (Tensor t : buffers.values()) {
            t.close();
        }
        buffers.clear();
        step = 0;
    }
}
