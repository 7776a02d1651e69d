package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The state an optimizer keeps for one parameter, like {@code optimizer.state[p]} in PyTorch: a step
 * count and named buffers ({@code "momentum_buffer"}, {@code "exp_avg"}, ...). The buffers belong to
 * the optimizer and are closed by its {@link Optimizer#close()}.
 */
public final class ParamState {
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Boolean> written = new LinkedHashMap<>();
    private long step;

    ParamState() {}

    /** The number of steps that updated this parameter (PyTorch's {@code state["step"]}). */
    public long step() {
        return step;
    }

    void incrementStep() {
        step++;
    }

    /** The buffer of this name, or null. */
    public Tensor get(String name) {
        return buffers.get(name);
    }

    /** The names of the buffers held, in the order they were made. */
    public Set<String> names() {
        return Collections.unmodifiableSet(buffers.keySet());
    }

    /**
     * The buffer of this name, made as zeros of {@code param}'s shape and dtype if absent (in the scope
     * open on this thread). For use by {@link Optimizer#initState}.
     */
    public Tensor zerosLike(String name, Tensor param) {
        Tensor t = buffers.get(name);
        if (t == null) {
            t = Tensor.zeros(param.dtype(), param.shape().dims());
            buffers.put(name, t);
        }
        return t;
    }

    /**
     * Whether the buffer of this name has never been written by an update, then marks it written.
     * SGD uses it to start its momentum buffer from the first gradient, as PyTorch does.
     */
    public boolean firstWrite(String name) {
        return written.put(name, Boolean.TRUE) == null;
    }

    void close() {
        for (Tensor t : buffers.values()) {
            t.close();
        }
        buffers.clear();
        written.clear();
    }
}
