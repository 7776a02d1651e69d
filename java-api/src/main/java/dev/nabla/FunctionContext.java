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
    /** For each saved tensor, the index of the forward output it is, or -1 (see {@link #markOutputs}). */
    private int[] outputIndex = {};
    /** While a createGraph backward runs: the outputs with their history, to hand out for saved outputs. */
    private Tensor[] outputsWithHistory;
    private int numOutputs;

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
        outputIndex = new int[tensors.length];
        java.util.Arrays.fill(outputIndex, -1);
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
     * After forward: notes which saved tensors are forward outputs (not inputs returned as they are).
     * Those come back from {@link #savedTensors()} with their history under createGraph (see
     * {@link Function}). Returns whether there is one.
     */
    boolean markOutputs(Tensor[] outputs, Tensor[] inputs) {
        numOutputs = outputs.length;
        boolean any = false;
        for (int i = 0; i < saved.length; i++) {
            if (saved[i] == null) {
                continue;
            }
            for (int j = 0; j < outputs.length; j++) {
                boolean isInput = false;
                for (Tensor in : inputs) {
                    isInput |= in == outputs[j];
                }
                if (!isInput && outputs[j].handle() == saved[i].handle()) {
                    outputIndex[i] = j;
                    any = true;
                    break;
                }
            }
        }
        return any;
    }

    /** The number of forward outputs (set after forward). */
    int numOutputs() {
        return numOutputs;
    }

    /** Set (then cleared) around a createGraph backward: the outputs with their grad_fn. */
    void outputsWithHistory(Tensor[] outputs) {
        outputsWithHistory = outputs;
    }

    /**
     * The tensors given to {@link #saveForBackward} (like {@code ctx.saved_tensors}). Inside a backward
     * run with {@code createGraph}, a saved tensor that is one of the function's outputs comes back
     * with its history (its grad_fn is this function's node), as PyTorch unpacks a saved output, so
     * that higher-order gradients flow through it; otherwise each comes back as saved.
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
        Tensor[] result = saved.clone();
        if (outputsWithHistory != null) {
            for (int i = 0; i < result.length; i++) {
                if (outputIndex[i] >= 0 && outputIndex[i] < outputsWithHistory.length) {
                    result[i] = outputsWithHistory[outputIndex[i]];
                }
            }
        }
        return result;
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
