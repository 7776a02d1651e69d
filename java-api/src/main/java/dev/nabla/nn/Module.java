package dev.nabla.nn;

import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A building block of a model, like {@code torch.nn.Module}: it owns named parameters (tensors that require
 * grad), named buffers (state such as running statistics) and child modules, and has a train/eval mode.
 *
 * <p>Lifetime: parameters and buffers are taken out of any {@link TensorScope} when registered, so a model
 * built inside a scope survives it; {@link #close()} frees them (and the children's). A training step's
 * temporaries can then live in a per-step scope.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output (like {@code forward}; PyTorch's {@code module(x)}). */
    public abstract Tensor forward(Tensor input);

    /** Registers {@code t} as a parameter: it requires grad and is owned by this module. Returns {@code t}. */
    protected Tensor registerParameter(String name, Tensor t) {
        checkName(name);
        if (t == null) {
            parameters.put(name, null);
            return null;
        }
        TensorScope.escape(t);
        if (!t.requiresGrad()) {
            t.requiresGrad(true);
        }
        parameters.put(name, t);
        return t;
    }

    /** Registers {@code t} as a buffer: saved in the state dict, not trained. Returns {@code t}. */
    protected Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        if (t != null) {
            TensorScope.escape(t);
        }
        buffers.put(name, t);
        return t;
    }

    /** Replaces a buffer's tensor (e.g. updated running statistics), closing the old one. */
    protected void setBuffer(String name, Tensor t) {
        Tensor old = buffers.get(name);
        buffers.put(name, t == null ? null : TensorScope.escape(t));
        if (old != null && old != t) {
            old.close();
        }
    }

    /** Registers a child module under {@code name}. Returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module attribute name must be non-empty and contain no '.': " + name);
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists in " + getClass().getSimpleName());
        }
    }

    /** The parameter called {@code name} of this module (not of its children), or null. */
    protected Tensor parameter(String name) {
        return parameters.get(name);
    }

    /** The buffer called {@code name} of this module, or null. */
    protected Tensor buffer(String name) {
        return buffers.get(name);
    }

    /** Every parameter of this module and its children, depth first, each once. */
    public List<Tensor> parameters() {
        return new ArrayList<>(new LinkedHashSet<>(namedParameters().values()));
    }

    /** Parameters by dotted name ({@code "0.weight"}), like {@code named_parameters()}. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    /** Buffers by dotted name, like {@code named_buffers()}. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, false, true);
        return out;
    }

    /** Child modules by name, like {@code named_children()}. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean params, boolean bufs) {
        if (params) {
            parameters.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        if (bufs) {
            buffers.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, params, bufs));
    }

    /**
     * Parameters and buffers by dotted name, like {@code state_dict()}: the module's own tensors (not copies),
     * in registration order; save them with {@code dev.nabla.io.SafeTensors.save}.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((k, v) -> {
            if (v != null) {
                out.put(prefix + k, v);
            }
        });
        buffers.forEach((k, v) -> {
            if (v != null) {
                out.put(prefix + k, v);
            }
        });
        children.forEach((k, m) -> m.collectState(prefix + k + ".", out));
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers, like
     * {@code load_state_dict}. With {@code strict}, a missing or unexpected key is an error; a shape mismatch
     * is always one. Nothing is changed when an error is found.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        Set<String> unexpected = new LinkedHashSet<>(state.keySet());
        unexpected.removeAll(own.keySet());
        List<String> missing = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!src.shape().equals(e.getValue().shape())) {
                problems.add("size mismatch for " + e.getKey() + ": copying a param with shape " + src.shape()
                        + " from checkpoint, the shape in current model is " + e.getValue().shape());
            }
        }
        if (strict && !missing.isEmpty()) {
            problems.add("Missing key(s) in state_dict: " + missing);
        }
        if (strict && !unexpected.isEmpty()) {
            problems.add("Unexpected key(s) in state_dict: " + unexpected);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName()
                    + ":\n\t" + String.join("\n\t", problems));
        }
        try (var g = GradMode.noGrad()) {
            for (var e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) {
                    e.getValue().copyInPlace(src);
                }
            }
        }
    }

    /** {@link #loadStateDict(Map, boolean)} with strict checking. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /** Sets training mode on this module and its children, like {@code train(mode)}. Returns this. */
    public Module train(boolean mode) {
        training = mode;
        children.values().forEach(m -> m.train(mode));
        return this;
    }

    /** {@code train(true)}. */
    public Module train() {
        return train(true);
    }

    /** {@code train(false)}, like {@code eval()}. */
    public Module eval() {
        return train(false);
    }

    /** Whether the module is in training mode ({@code self.training}). */
    public boolean isTraining() {
        return training;
    }

    /** Clears every parameter's gradient (set to none, as PyTorch 2 does by default). */
    public void zeroGrad() {
        zeroGrad(true);
    }

    /** Clears every parameter's gradient: to none, or to zeros in place. */
    public void zeroGrad(boolean setToNone) {
        for (Tensor p : parameters()) {
            p.zeroGrad(setToNone);
        }
    }

    /** Calls {@code fn} on every child (recursively) and then on this module, like {@code apply}. Returns this. */
    public Module apply(Consumer<Module> fn) {
        children.values().forEach(m -> m.apply(fn));
        fn.accept(this);
        return this;
    }

    /** Frees the parameters and buffers of this module and its children. */
    @Override
    public void close() {
        children.values().forEach(Module::close);
        parameters.values().forEach(t -> {
            if (t != null) {
                t.close();
            }
        });
        buffers.values().forEach(t -> {
            if (t != null) {
                t.close();
            }
        });
    }

    /** A one-line description, PyTorch-style: {@code Linear(in_features=784, out_features=256, bias=True)}. */
    protected String extraRepr() {
        return "";
    }

    @Override
    public String toString() {
        if (children.isEmpty()) {
            return getClass().getSimpleName() + "(" + extraRepr() + ")";
        }
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(");
        if (!extraRepr().isEmpty()) {
            sb.append("\n  ").append(extraRepr());
        }
        children.forEach((k, m) -> sb.append("\n  (").append(k).append("): ")
                .append(m.toString().replace("\n", "\n  ")));
        return sb.append("\n)").toString();
    }
}
