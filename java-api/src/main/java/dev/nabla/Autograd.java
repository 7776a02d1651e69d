package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.global.nabla;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Set;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Autograd functions beyond {@link Tensor#backward()} (like {@code torch.autograd}): gradients as
 * values ({@link #grad}), several roots in one pass ({@link #backward}), and anomaly mode
 * ({@link #detectAnomaly}).
 */
public final class Autograd {
    private Autograd() {}

    /**
     * The gradients of {@code outputs} w.r.t. {@code inputs} (like {@code torch.autograd.grad}),
     * leaving every {@code .grad} untouched. Only the part of the graph that leads to an input runs.
     *
     * @param gradOutputs the gradient w.r.t. each output, or null (the array or an entry) for ones,
     *     allowed only for one-element outputs
     * @param retainGraph keep the graph's saved tensors for another pass (implied by createGraph)
     * @param createGraph record the gradient computation, for higher-order gradients
     * @param allowUnused return null for an input the outputs do not depend on, instead of failing
     * @return one gradient per input, each a new tensor (null only for an unused input with allowUnused)
     * @throws IllegalStateException for an input that does not require grad, an unused input without
     *     allowUnused, or a graph already freed (PyTorch's messages)
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph,
            boolean createGraph, boolean allowUnused) {
        if (gradOutputs != null && gradOutputs.length != outputs.length) {
            throw new IllegalArgumentException("grad: " + outputs.length + " outputs but " + gradOutputs.length
                    + " gradOutputs; pass one per output (null entries for ones)");
        }
        ThreadState s = ThreadState.get();
        Tensor[] result = new Tensor[inputs.length];
        try (PointerPointer<?> outs = handles(outputs);
                PointerPointer<?> gouts = gradOutputs == null ? null : handles(gradOutputs);
                PointerPointer<?> ins = handles(inputs);
                PointerPointer<?> res = new PointerPointer<>(Math.max(1, inputs.length))) {
            int flags = (s.flags & nabla.NB_ANOMALY) | (createGraph ? nabla.NB_GRAD : 0);
            try {
                Callbacks.check(nabla.nb_autograd_grad(flags, outs, gouts, outputs.length, ins, inputs.length,
                        retainGraph ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, res));
            } finally {
                // Note [reachability] in Tensor: the tensors stay alive through the call.
                Reference.reachabilityFence(outputs);
                Reference.reachabilityFence(gradOutputs);
                Reference.reachabilityFence(inputs);
            }
            MemorySegment view = MemorySegment.ofAddress(res.address()).reinterpret(8L * inputs.length);
            for (int i = 0; i < inputs.length; i++) {
                long h = view.getAtIndex(JAVA_LONG, i);
                result[i] = h == 0 ? null : Tensor.wrap(h, s);
            }
        }
        return result;
    }

    /** {@code grad(new Tensor[] {output}, inputs, null, false, false, false)}: d(output)/d(input) for a scalar output. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return grad(new Tensor[] {output}, inputs, null, false, false, false);
    }

    /**
     * Backward from several roots in one pass (like {@code torch.autograd.backward}), accumulating
     * into the leaves' {@code .grad}.
     *
     * @param grads the gradient w.r.t. each root, or null (the array or an entry) for a one-element root
     */
    public static void backward(Tensor[] tensors, Tensor[] grads, boolean retainGraph, boolean createGraph) {
        if (grads != null && grads.length != tensors.length) {
            throw new IllegalArgumentException("backward: " + tensors.length + " tensors but " + grads.length
                    + " grads; pass one per tensor (null entries for ones)");
        }
        ThreadState s = ThreadState.get();
        try (PointerPointer<?> ts = handles(tensors);
                PointerPointer<?> gs = grads == null ? null : handles(grads)) {
            int flags = (s.flags & nabla.NB_ANOMALY) | (createGraph ? nabla.NB_GRAD : 0);
            try {
                Callbacks.check(nabla.nb_autograd_backward(flags, ts, gs, tensors.length, retainGraph ? 1 : 0,
                        createGraph ? 1 : 0));
            } finally {
                Reference.reachabilityFence(tensors); // Note [reachability] in Tensor
                Reference.reachabilityFence(grads);
            }
        }
    }

    private static PointerPointer<?> handles(Tensor[] ts) {
        PointerPointer<?> p = new PointerPointer<>(Math.max(1, ts.length));
        MemorySegment view = MemorySegment.ofAddress(p.address()).reinterpret(8L * Math.max(1, ts.length));
        for (int i = 0; i < ts.length; i++) {
            view.setAtIndex(JAVA_LONG, i, ts[i] == null ? 0 : ts[i].handle());
        }
        return p;
    }

    // ---- anomaly mode ----

    /**
     * Turns anomaly mode on for this thread until the returned guard closes (like
     * {@code torch.autograd.detect_anomaly()}): each op that records a node also records the Java
     * stack of its call, and backward checks every node's gradients for nan and inf, failing with
     * {@code Function 'PowBackward0' returned nan values in its 0th output.} followed by the stack of
     * the forward call that made that node. Slow; for debugging only.
     */
    public static Anomaly detectAnomaly() {
        ThreadState s = ThreadState.get();
        Anomaly a = new Anomaly(s, (s.flags & nabla.NB_ANOMALY) != 0);
        s.flags |= nabla.NB_ANOMALY;
        return a;
    }

    /** Whether anomaly mode is on for this thread (like {@code torch.is_anomaly_enabled()}). */
    public static boolean isAnomalyEnabled() {
        return (ThreadState.get().flags & nabla.NB_ANOMALY) != 0;
    }

    /** Restores the previous anomaly mode on close; closing again does nothing. Confined to its thread. */
    public static final class Anomaly implements AutoCloseable {
        private final ThreadState state;
        private final boolean previous;
        private boolean closed;

        private Anomaly(ThreadState state, boolean previous) {
            this.state = state;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (Thread.currentThread() != state.owner) {
                throw new WrongThreadException("Anomaly guard closed on a thread other than the one that opened it");
            }
            if (!closed) {
                closed = true;
                state.flags = previous ? state.flags | nabla.NB_ANOMALY : state.flags & ~nabla.NB_ANOMALY;
            }
        }
    }

    private static final Set<String> INTERNAL = Set.of("dev.nabla.Tensor", "dev.nabla.Ops", "dev.nabla.Autograd",
            "dev.nabla.Function", "dev.nabla.TensorMath", "dev.nabla.TensorReductions", "dev.nabla.TensorShaping");

    /** Anomaly mode: attaches the caller's stack to the node that made tensor {@code handle}. */
    static void recordForwardTrace(long handle) {
        if (nabla.nb_tensor_grad_fn_id(handle) == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        boolean inside = true;
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            String c = e.getClassName();
            if (inside && (c.equals("java.lang.Thread") || INTERNAL.contains(c))) {
                continue;
            }
            inside = false;
            sb.append("\tat ").append(e).append('\n');
        }
        Status.check(nabla.nb_tensor_set_anomaly_trace(handle, sb.toString()));
    }
}
