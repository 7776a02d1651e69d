package dev.nabla;

import dev.nabla.bindings.global.nabla;
import dev.nabla.bindings.NativeLibrary;
import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.PointerPointer;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A differentiable function with a hand-written backward (like {@code torch.autograd.Function}):
 *
 * <pre>{@code
 * class Cube extends Function {
 *     protected Tensor[] forward(FunctionContext ctx, Tensor... in) {
 *         ctx.saveForBackward(in[0]);
 *         return new Tensor[] {in[0].pow(3)};
 *     }
 *     protected Tensor[] backward(FunctionContext ctx, Tensor... gradOut) {
 *         Tensor x = ctx.savedTensors()[0];
 *         return new Tensor[] {x.pow(2).mul(3).mul(gradOut[0])};   // d/dx x^3 = 3x^2
 *     }
 * }
 * Tensor y = new Cube().apply(x);   // y.gradFn() is "CubeBackward"
 * }</pre>
 *
 * <p>{@code forward} runs with grad mode off. {@code backward} gets one gradient per output (zeros
 * for an output that got none) and returns one per input, null where none flows; it runs with grad
 * mode on only under {@code createGraph}, so written with Nabla ops it gives higher-order gradients.
 * An exception thrown by {@code backward} is rethrown from the {@code backward()} call that ran it.
 *
 * <p>Saved tensors and higher-order gradients: {@code forward} runs with grad mode off, so what it
 * computes has no history. A saved input keeps the input's own history. A saved output (one of the
 * tensors forward returns, saved with {@link FunctionContext#saveForBackward}) is kept without its
 * grad_fn, to avoid the cycle output -> node -> output; under {@code createGraph},
 * {@link FunctionContext#savedTensors()} hands it back with this function's node reattached as its
 * grad_fn, as PyTorch does for saved outputs, so a backward like {@code gradOut * y * (1 - y)}
 * (sigmoid) gives exact second derivatives. Any other intermediate of forward that is saved is a
 * constant to the second derivative: recompute it from the saved inputs in {@code backward} if it
 * depends on them.
 */
public abstract class Function {
    static {
        NativeLibrary.load();
    }

    /** Computes the outputs from {@code inputs}; runs with grad mode off. */
    protected abstract Tensor[] forward(FunctionContext ctx, Tensor... inputs);

    /** The gradients w.r.t. the inputs (null: none) from the gradients w.r.t. the outputs. */
    protected abstract Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs);

    /** The grad_fn name of the outputs: the class's simple name plus {@code Backward}, as in PyTorch. */
    String nodeName() {
        String n = getClass().getSimpleName();
        return (n.isEmpty() ? "Function" : n) + "Backward";
    }

    Tensor[] runBackward(FunctionContext ctx, Tensor[] gradOutputs) {
        return backward(ctx, gradOutputs);
    }

    /**
     * Runs the function on {@code inputs} and, in grad mode when an input requires grad, records a
     * node whose backward calls {@link #backward}. Returns the single output.
     *
     * @throws IllegalStateException when forward returned more than one output (use {@link #applyAll})
     */
    public final Tensor apply(Tensor... inputs) {
        Tensor[] out = applyAll(inputs);
        if (out.length != 1) {
            throw new IllegalStateException(nodeName() + ": forward returned " + out.length
                    + " outputs; use applyAll to get them all");
        }
        return out[0];
    }

    /** Like {@link #apply}, returning every output of forward. */
    public final Tensor[] applyAll(Tensor... inputs) {
        FunctionContext ctx = new FunctionContext(inputs);
        String name = nodeName();
        ctx.nodeName(name);
        Tensor[] raw;
        try (var g = GradMode.noGrad()) {
            raw = forward(ctx, inputs);
        }
        if (raw == null || raw.length == 0) {
            throw new IllegalArgumentException(name + ": forward must return at least one tensor");
        }
        boolean record = GradMode.isEnabled();
        boolean anyRequiresGrad = false;
        for (Tensor t : inputs) {
            anyRequiresGrad |= t.requiresGrad();
        }
        if (!record || !anyRequiresGrad) {
            ctx.free();
            return raw;
        }
        ThreadState s = ThreadState.get();
        long id = Callbacks.register(new Callbacks.FunctionEntry(this, ctx));
        Tensor[] result = new Tensor[raw.length];
        try (PointerPointer<?> ins = new PointerPointer<>(inputs.length);
                PointerPointer<?> outs = new PointerPointer<>(raw.length);
                PointerPointer<?> recorded = new PointerPointer<>(raw.length)) {
            MemorySegment insView = MemorySegment.ofAddress(ins.address()).reinterpret(8L * inputs.length);
            MemorySegment outsView = MemorySegment.ofAddress(outs.address()).reinterpret(8L * raw.length);
            MemorySegment recView = MemorySegment.ofAddress(recorded.address()).reinterpret(8L * raw.length);
            for (int i = 0; i < inputs.length; i++) {
                insView.setAtIndex(JAVA_LONG, i, inputs[i].handle());
            }
            for (int i = 0; i < raw.length; i++) {
                outsView.setAtIndex(JAVA_LONG, i, raw[i].handle());
            }
            // has_saved bit 2: a saved tensor is an output, reattached to the node under createGraph.
            int hasSaved = ctx.hasSaved() ? (ctx.markOutputs(raw, inputs) ? 3 : 1) : 0;
            long st = nabla.nb_function_record(s.flags, id, name, ins, inputs.length, outs, raw.length,
                    hasSaved, recorded);
            java.lang.ref.Reference.reachabilityFence(inputs); // Note [reachability] in Tensor
            if (st != 0) {
                Callbacks.remove(id);
                ctx.free();
                throw Status.raise(st);
            }
            for (int i = 0; i < raw.length; i++) {
                result[i] = Tensor.wrap(recView.getAtIndex(JAVA_LONG, i), s);
            }
        }
        for (Tensor t : raw) {
            boolean isInput = false;
            for (Tensor in : inputs) {
                isInput |= in == t;
            }
            if (!isInput) {
                t.close(); // the recorded alias holds the values now
            }
        }
        return result;
    }
}
