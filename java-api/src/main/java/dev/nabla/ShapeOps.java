package dev.nabla;

import java.util.List;

/** Registry ids of the shape and indexing ops, and the helpers behind {@link TensorShaping} and Tensor.cat/stack. */
final class ShapeOps {
    static final int PERMUTE = Ops.id("permute");
    static final int SQUEEZE = Ops.id("squeeze");
    static final int SQUEEZE_DIM = Ops.id("squeeze_dim");
    static final int UNSQUEEZE = Ops.id("unsqueeze");
    static final int FLATTEN = Ops.id("flatten");
    static final int NARROW = Ops.id("narrow");
    static final int SLICE = Ops.id("slice");
    static final int SELECT = Ops.id("select");
    static final int CAT = Ops.id("cat");
    static final int STACK = Ops.id("stack");
    static final int SPLIT = Ops.id("split");
    static final int SPLIT_WITH_SIZES = Ops.id("split_with_sizes");
    static final int CHUNK = Ops.id("chunk");
    static final int INDEX_SELECT = Ops.id("index_select");
    static final int GATHER = Ops.id("gather");
    static final int SCATTER_ADD = Ops.id("scatter_add");
    static final int MASKED_FILL = Ops.id("masked_fill");

    private static final double[] NO_NUMBERS = {};

    private ShapeOps() {}

    static Tensor[] multi(int id, Tensor a, long... ints) {
        return Ops.call(id, new Tensor[] {a}, NO_NUMBERS, ints);
    }

    /** cat or stack of any number of tensors: more than one call's worth are joined in groups. */
    static Tensor join(int id, int dim, Tensor[] ts) {
        if (ts == null) {
            throw new NullPointerException((id == CAT ? "cat" : "stack") + ": the tensor list is null");
        }
        for (int k = 0; k < ts.length; k++) {
            if (ts[k] == null) {
                throw new NullPointerException((id == CAT ? "cat" : "stack") + ": tensor number " + k + " is null");
            }
        }
        int max = ThreadState.MAX_OP_TENSORS;
        if (ts.length <= max) {
            return Ops.call(id, ts, NO_NUMBERS, new long[] {dim})[0];
        }
        // stack = cat of the unsqueezed inputs, so a long stack becomes a long cat.
        Tensor[] parts = ts;
        if (id == STACK) {
            checkSameShape(ts);
            long nd = ts[0].dim() + 1;
            long d = dim < 0 ? dim + nd : dim;
            parts = new Tensor[ts.length];
            for (int k = 0; k < ts.length; k++) {
                parts[k] = ts[k].unsqueeze((int) d);
            }
            dim = (int) d;
        }
        while (parts.length > max) {
            Tensor[] next = new Tensor[(parts.length + max - 1) / max];
            for (int g = 0; g < next.length; g++) {
                int from = g * max;
                int to = Math.min(parts.length, from + max);
                next[g] = Ops.call(CAT, java.util.Arrays.copyOfRange(parts, from, to), NO_NUMBERS, new long[] {dim})[0];
            }
            parts = next;
        }
        return Ops.call(CAT, parts, NO_NUMBERS, new long[] {dim})[0];
    }

    static Tensor join(int id, int dim, List<Tensor> ts) {
        if (ts == null) {
            throw new NullPointerException((id == CAT ? "cat" : "stack") + ": the tensor list is null");
        }
        return join(id, dim, ts.toArray(new Tensor[0]));
    }

    private static void checkSameShape(Tensor[] ts) {
        for (int k = 1; k < ts.length; k++) {
            if (!ts[k].shape().equals(ts[0].shape())) {
                throw new ShapeMismatchException("stack: stack expects each tensor to be equal size, but got "
                        + ts[0].shape() + " at entry 0 and " + ts[k].shape() + " at entry " + k);
            }
        }
    }
}
