package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * <p>{@link #stateDict()} and {@link #loadStateDict(Map)} save and restore everything a run needs to
 * continue (hyper-parameters, step counts, buffers), e.g. with {@link dev.nabla.io.SafeTensors}.
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

    // ---------------------------------------------------------------------------------------------
    // State dict

    /**
     * A snapshot of this optimizer's state, like {@code optimizer.state_dict()} flattened into tensor
     * entries so that {@link dev.nabla.io.SafeTensors} can store it. Parameters are numbered across the
     * groups in order, from 0, as PyTorch does; for parameter {@code i} that has state:
     * <ul>
     *   <li>{@code "state.i.step"}: the step count, a 0-d float64 tensor;
     *   <li>{@code "state.i.<buffer>"}: a copy of each buffer, e.g. {@code "state.0.exp_avg"};
     * </ul>
     * and for group {@code g}:
     * <ul>
     *   <li>{@code "param_groups.g.params"}: the group's parameter numbers, a 1-d int64 tensor;
     *   <li>{@code "param_groups.g.<option>"}: each option under its PyTorch-style name ({@code lr},
     *       {@code weight_decay}, ...), numbers as 0-d float64 tensors, flags as 0-d bool tensors;
     *   <li>{@code "param_groups.g.initial_lr"}: when a scheduler recorded one.
     * </ul>
     * Every tensor is new and belongs to the scope open on this thread; later steps do not change them.
     *
     * @throws IllegalStateException when the optimizer is closed
     */
    public Map<String, Tensor> stateDict() {
        checkOpen("stateDict");
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (GradMode.Guard ignored = GradMode.noGrad()) {
            int index = 0;
            for (ParamGroup<O> g : groups) {
                for (Tensor p : g.params()) {
                    ParamState s = state.get(p);
                    if (!s.isEmpty()) {
                        String prefix = "state." + index + ".";
                        out.put(prefix + "step", Tensor.full(s.step(), DType.FLOAT64));
                        for (String name : s.names()) {
                            out.put(prefix + name, s.get(name).clone());
                        }
                    }
                    index++;
                }
            }
            index = 0;
            for (int gi = 0; gi < groups.size(); gi++) {
                ParamGroup<O> g = groups.get(gi);
                String prefix = "param_groups." + gi + ".";
                long[] ids = new long[g.params().size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = index++;
                }
                out.put(prefix + "params", Tensor.of(ids, ids.length));
                OptionsCodec.write(g.options(), prefix, out);
                if (!Double.isNaN(g.initialLr)) {
                    out.put(prefix + "initial_lr", Tensor.full(g.initialLr, DType.FLOAT64));
                }
            }
        }
        return out;
    }

    /**
     * Restores a state written by {@link #stateDict()}, like {@code optimizer.load_state_dict}: each group
     * takes the saved options (and {@code initial_lr}), and every parameter's state is replaced by the
     * saved one (none for a parameter without saved state). Saved parameter numbers are matched to this
     * optimizer's parameters by position across the groups, as PyTorch does, so the groups must have the
     * same sizes; buffers are copied (converted to the parameter's dtype). The map's tensors are not
     * kept. Everything is checked before anything changes.
     *
     * @throws IllegalArgumentException naming the key for a different number or size of groups, a
     *     buffer whose shape differs from its parameter's, a missing or unknown key, or invalid options
     * @throws IllegalStateException when the optimizer is closed
     */
    public void loadStateDict(Map<String, Tensor> stateDict) {
        checkOpen("loadStateDict");
        String who = name + ".loadStateDict: ";
        List<Tensor> all = new ArrayList<>();
        for (ParamGroup<O> g : groups) {
            all.addAll(g.params());
        }
        Map<Integer, Map<String, Tensor>> savedGroups = new TreeMap<>();
        Map<Long, Map<String, Tensor>> savedState = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            String key = e.getKey();
            String[] parts = key.split("\\.", 3);
            long n = parts.length == 3 ? parseIndex(parts[1]) : -1;
            if (n < 0 || parts[2].isEmpty() || !(parts[0].equals("state") || parts[0].equals("param_groups"))) {
                throw new IllegalArgumentException(who + "unexpected key '" + key
                        + "'; expected state.<i>.<name> or param_groups.<g>.<name>");
            }
            if (parts[0].equals("state")) {
                savedState.computeIfAbsent(n, k -> new LinkedHashMap<>()).put(parts[2], e.getValue());
            } else {
                if (n >= groups.size()) {
                    throw new IllegalArgumentException(who + "loaded state dict has a different number of parameter"
                            + " groups (a key '" + key + "'; this optimizer has " + groups.size() + ")");
                }
                savedGroups.computeIfAbsent((int) n, k -> new LinkedHashMap<>()).put(parts[2], e.getValue());
            }
        }
        if (savedGroups.size() != groups.size()) {
            throw new IllegalArgumentException(who + "loaded state dict has a different number of parameter groups ("
                    + savedGroups.size() + ", this optimizer has " + groups.size() + ")");
        }
        // Saved parameter number -> this optimizer's parameter, by position, as PyTorch's id_map.
        Map<Long, Tensor> idMap = new HashMap<>();
        List<O> newOptions = new ArrayList<>();
        double[] initialLrs = new double[groups.size()];
        int position = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup<O> g = groups.get(gi);
            Map<String, Tensor> saved = new LinkedHashMap<>(savedGroups.get(gi));
            String prefix = "param_groups." + gi + ".";
            Tensor ids = saved.remove("params");
            if (ids == null) {
                throw new IllegalArgumentException(who + "missing key '" + prefix + "params'");
            }
            if (ids.dim() != 1 || ids.numel() != g.params().size()) {
                throw new IllegalArgumentException(who + "loaded state dict contains a parameter group that doesn't"
                        + " match the size of optimizer's group (" + prefix + "params has shape " + ids.shape()
                        + ", group " + gi + " has " + g.params().size() + " parameters)");
            }
            for (double id : ids.toDoubleArray()) {
                long l = (long) id;
                if (l != id || l < 0 || idMap.put(l, all.get(position++)) != null) {
                    throw new IllegalArgumentException(who + prefix + "params: bad or repeated parameter number " + id);
                }
            }
            Tensor initial = saved.remove("initial_lr");
            initialLrs[gi] = initial == null ? Double.NaN : number(who, prefix + "initial_lr", initial);
            O o = OptionsCodec.read(g.options(), prefix, saved, who);
            try {
                o.validate();
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(who + prefix + "*: " + ex.getMessage(), ex);
            }
            newOptions.add(o);
        }
        for (Map.Entry<Long, Map<String, Tensor>> e : savedState.entrySet()) {
            Tensor p = idMap.get(e.getKey());
            String prefix = "state." + e.getKey() + ".";
            if (p == null) {
                throw new IllegalArgumentException(who + "'" + prefix + "*' names no parameter of the saved groups");
            }
            Tensor step = e.getValue().get("step");
            if (step == null) {
                throw new IllegalArgumentException(who + "missing key '" + prefix + "step'");
            }
            double v = number(who, prefix + "step", step);
            if (!(v >= 0) || v != Math.rint(v)) {
                throw new IllegalArgumentException(who + prefix + "step must be a count, got " + v);
            }
            for (Map.Entry<String, Tensor> b : e.getValue().entrySet()) {
                if (!b.getKey().equals("step") && !b.getValue().shape().equals(p.shape())) {
                    throw new IllegalArgumentException(who + "size mismatch for " + prefix + b.getKey()
                            + ": shape " + b.getValue().shape() + " in the state dict, the parameter's is " + p.shape());
                }
            }
        }
        // Checked: apply.
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup<O> g = groups.get(gi);
            g.setOptions(newOptions.get(gi));
            g.initialLr = initialLrs[gi];
        }
        for (ParamState s : state.values()) {
            s.close();
        }
        try (GradMode.Guard ignored = GradMode.noGrad()) {
            for (Map.Entry<Long, Map<String, Tensor>> e : savedState.entrySet()) {
                Tensor p = idMap.get(e.getKey());
                ParamState s = state.get(p);
                for (Map.Entry<String, Tensor> b : e.getValue().entrySet()) {
                    if (b.getKey().equals("step")) {
                        s.setStep((long) b.getValue().item());
                    } else {
                        Tensor src = b.getValue();
                        s.put(b.getKey(), src.dtype() == p.dtype() ? src.clone() : src.to(p.dtype()));
                    }
                }
            }
        }
    }

    private static long parseIndex(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    static double number(String who, String key, Tensor t) {
        if (t.numel() != 1) {
            throw new IllegalArgumentException(who + key + " must hold one number, got shape " + t.shape());
        }
        return t.item();
    }
}
