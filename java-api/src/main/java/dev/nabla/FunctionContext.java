package dev.nabla;

import dev.nabla.bindings.global.nabla;

/**
 * What a {@link Function}'s forward leaves for its backward (like {@code ctx} in
 * {@code torch.autograd.Function}): saved tensors, checked against their versions, and which
 * inputs need a gradient.
 */
public final class FunctionContext {
    private static final Tensor[] NONE = {};

    private final boolean[] needsInputGrad;
    private String nodeName = "FunctionBackward";
    private Tensor[] saved = NONE;
    private long[] versions = {};
    private boolean released;

    FunctionContext(Tensor[] inputs) {
        needsInputGrad = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needsInputGrad[i] = inputs[i] != null && inputs[i].requiresGrad();
        }
    }

    void nodeName(String name) {
        nodeName = name;
    }

    /**
     * Keeps {@code tensors} for backward (like {@code ctx.save_for_backward}). Call it once, in
     * forward. Each is kept by its own reference (closing the caller's tensor or its scope does not
     * free it) until the graph is freed, and its version is recorded: changing it in place before
     * backward makes {@link #savedTensors()} fail.
     */
    public void saveForBackward(Tensor... tensors) {
        free();
        released = false;
        saved = new Tensor[tensors.length];
        versions = new long[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            if (t == null) {
                continue;
            }
            saved[i] = Tensor.unscoped(nabla.nb_tensor_retain(t.handle()));
            versions[i] = t.version();
        }
    }

    /** Whether any tensor was saved. */
    boolean hasSaved() {
        return saved.length > 0;
    }

    /**
     * The tensors given to {@link #saveForBackward} (like {@code ctx.saved_tensors}).
     *
     * @throws IllegalStateException when one was changed in place since it was saved, or when the
     *     graph was freed by an earlier backward (PyTorch's messages)
     */
    public Tensor[] savedTensors() {
        if (released) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or directly "
                    + "access saved tensors after they have already been freed). Saved intermediate values of "
                    + "the graph are freed when you call .backward() or autograd.grad(). Specify "
                    + "retainGraph=true if you need to backward through the graph a second time or if you need "
                    + "to access saved tensors after calling backward. (node: " + nodeName + ")");
        }
        for (int i = 0; i < saved.length; i++) {
            Tensor t = saved[i];
            if (t != null && t.version() != versions[i]) {
                String name = t.dtype() == DType.FLOAT64 ? "torch.DoubleTensor" : "torch.FloatTensor";
                throw new IllegalStateException("one of the variables needed for gradient computation has been "
                        + "modified by an inplace operation: [" + name + " " + t.shape() + "] is at version "
                        + t.version() + "; expected version " + versions[i] + " instead. Hint: the backward of "
                        + nodeName + " needs it; clone() the tensor before changing it in place, or change a copy.");
            }
        }
        return saved.clone();
    }

    /** Whether input {@code i} of the forward call needs a gradient (like {@code ctx.needs_input_grad[i]}). */
    public boolean needsInputGrad(int i) {
        return needsInputGrad[i];
    }

    /** Frees the saved tensors (the graph was freed, or nothing was recorded). */
    void free() {
        Tensor[] s = saved;
        released = true;
        for (Tensor t : s) {
            if (t != null) {
                t.close();
            }
        }
    }
}
