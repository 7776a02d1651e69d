package dev.nabla.optim;

import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of all optimizers, like {@code torch.optim.Optimizer}: parameter groups with their own
 * hyper-parameters, per-parameter state, {@link #step()} and {@link #zeroGrad()}.
 *
 * <p>Parameters whose {@code grad()} is null are skipped by {@link #step()} (their step count does not
 * advance), as in PyTorch. A parameter's state is created on the first step that finds a gradient for
 * it, as PyTorch does: state tensors belong to the optimizer, not to the {@link TensorScope} open at that
 * time, so stepping inside a per-iteration scope is fine. {@link #close()} frees the state; the optimizer
 * cannot step after.
 *
 * <p>Not thread-safe.
 *
 * @param <O> the options record of this optimizer
 */
public abstract class Optimizer<O extends OptimizerOptions<O>> implements AutoCloseable {
    private final String name;
    private final O defaults;
    private final List<ParamGroup<O>> groups = new ArrayList<>();
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();
    private boolean closed;

    /**
     * An optimizer over {@code params} as one group with {@code defaults}.
     *
     * @param name the optimizer's name for messages, e.g. {@code "SGD"}
     * @throws IllegalArgumentException for an empty list, a non-leaf tensor, a tensor listed twice, or
     *     invalid options
     */
    protected Optimizer(String name, List<Tensor> params, O defaults) {
        this.name = name;
        defaults.validate();
        this.defaults = defaults;
        addParamGroup(params, defaults);
    }

    /** The options given to the constructor, used by {@link #addParamGroup(List)}. */
    public O defaults() {
        return defaults;
    }

    /** The parameter groups, in the order added (like {@code optimizer.param_groups}); unmodifiable. */
    public List<ParamGroup<O>> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** Adds a group with the default options (like {@code add_param_group({"params": params})}). */
    public ParamGroup<O> addParamGroup(List<Tensor> params) {
        return addParamGroup(params, defaults);
    }

    /**
     * Adds a group with its own options (like {@code add_param_group({"params": params, "lr": ...})});
     * its parameters' state is created on their first step.
     *
     * @throws IllegalArgumentException for an empty list, a non-leaf tensor, a tensor already in this
     *     optimizer, or invalid options
     */
    public ParamGroup<O> addParamGroup(List<Tensor> params, O options) {
        checkOpen("addParamGroup");
        options.validate();
        if (params.isEmpty()) {
            throw new IllegalArgumentException(name + ": optimizer got an empty parameter list");
        }
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (Tensor p : params) {
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(name + ": can't optimize a non-leaf Tensor (shape "
                        + p.shape() + ", grad_fn " + p.gradFn() + "); pass the leaf, or detach() it and set requiresGrad");
            }
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException(name + ": a parameter group lists a tensor of shape "
                        + p.shape() + " twice");
            }
            if (state.containsKey(p)) {
                throw new IllegalArgumentException(name + ": some parameters appear in more than one parameter group"
                        + " (a tensor of shape " + p.shape() + ")");
            }
        }
        ParamGroup<O> g = new ParamGroup<>(params, options);
        for (Tensor p : params) {
            state.put(p, new ParamState());
        }
        groups.add(g);
        return g;
    }

    /** The state of {@code param} (like {@code optimizer.state[param]}); empty before its first step. */
    public ParamState state(Tensor param) {
        ParamState s = state.get(param);
        if (s == null) {
            throw new IllegalArgumentException(name + ".state: the tensor of shape " + param.shape()
                    + " is not a parameter of this optimizer");
        }
        return s;
    }

    /** The learning rate of group {@code group} (like {@code param_groups[group]["lr"]}). */
    public double getLr(int group) {
        return groups.get(group).lr();
    }

    /** Sets the learning rate of group {@code group}. */
    public void setLr(int group, double lr) {
        groups.get(group).setLr(lr);
    }

    /** Sets the learning rate of every group. */
    public void setLr(double lr) {
        for (ParamGroup<O> g : groups) {
            g.setLr(lr);
        }
    }

    /**
     * Performs one update of every parameter that has a gradient (like {@code optimizer.step()}), with
     * grad mode off; creates the state of parameters stepped for the first time. Temporaries are freed
     * before it returns.
     *
     * @throws IllegalStateException when the optimizer or its state was closed
     */
    public void step() {
        checkOpen("step");
        // One scope for the whole step: update() closes its large temporaries as soon as they are used,
        // the scope catches the rest (the grad wrappers, and everything if an update throws).
        try (GradMode.Guard ignored = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            for (int gi = 0, ng = groups.size(); gi < ng; gi++) {
                ParamGroup<O> g = groups.get(gi);
                List<Tensor> params = g.params();
                for (int i = 0, n = params.size(); i < n; i++) {
                    Tensor p = params.get(i);
                    Tensor grad = p.grad();
                    if (grad == null) {
                        continue;
                    }
                    ParamState s = state.get(p);
                    s.incrementStep();
                    update(g, p, grad, s);
                }
            }
        }
    }

    /** Sets every parameter's gradient to null (like {@code zero_grad()}, PyTorch 2's default). */
    public void zeroGrad() {
        zeroGrad(true);
    }

    /** Sets every gradient to null, or with {@code setToNone == false} fills it with zeros in place. */
    public void zeroGrad(boolean setToNone) {
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                p.zeroGrad(setToNone);
            }
        }
    }

    /** Frees the state tensors; later calls to {@link #step()} throw. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ParamState s : state.values()) {
            s.close();
        }
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed;
    }

    /** The optimizer's name, e.g. {@code "SGD"}. */
    public String name() {
        return name;
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(name + "." + op + ": the optimizer is closed");
        }
    }

    /**
     * Updates {@code param} in place from {@code grad}. Runs with grad mode off inside a
     * {@link TensorScope} that frees what is left at the end of {@link #step()}; close large temporaries
     * once used. {@code state.step()} already counts this step; on a parameter's first step its buffers
     * are absent: create them with {@link ParamState#zerosLike} or {@link ParamState#put}.
     */
    protected abstract void update(ParamGroup<O> group, Tensor param, Tensor grad, ParamState state);
}
