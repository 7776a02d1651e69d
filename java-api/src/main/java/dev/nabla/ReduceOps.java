package dev.nabla;

/** Registry ids of the reductions, softmax and linear-algebra family (native ops/reduce_ext.cpp, ops/matmul.cpp). */
final class ReduceOps {
    static final int PROD = Ops.id("prod");
    static final int PROD_DIM = Ops.id("prod_dim");
    static final int MAX = Ops.id("max");
    static final int MIN = Ops.id("min");
    static final int MAX_DIM = Ops.id("max_dim");
    static final int MIN_DIM = Ops.id("min_dim");
    static final int AMAX = Ops.id("amax");
    static final int AMIN = Ops.id("amin");
    static final int ARGMAX = Ops.id("argmax");
    static final int ARGMIN = Ops.id("argmin");
    static final int ARGMAX_DIM = Ops.id("argmax_dim");
    static final int ARGMIN_DIM = Ops.id("argmin_dim");
    static final int VAR = Ops.id("var");
    static final int STD = Ops.id("std");
    static final int NORM = Ops.id("norm");
    static final int LOGSUMEXP = Ops.id("logsumexp");
    static final int SOFTMAX = Ops.id("softmax");
    static final int LOG_SOFTMAX = Ops.id("log_softmax");
    static final int BMM = Ops.id("bmm");
    static final int OUTER = Ops.id("outer");
    static final int DOT = Ops.id("dot");
    static final int LINEAR = Ops.id("linear");

    private static final double[] NO_NUMBERS = {};

    private ReduceOps() {}

    /** Integer arguments {@code head..., dims...}, as the native ops take them. */
    static long[] ints(int[] dims, long... head) {
        long[] r = new long[head.length + dims.length];
        System.arraycopy(head, 0, r, 0, head.length);
        for (int i = 0; i < dims.length; i++) {
            r[head.length + i] = dims[i];
        }
        return r;
    }

    static long flag(boolean b) {
        return b ? 1 : 0;
    }

    static Tensor one(int id, Tensor a, double[] numbers, long[] ints) {
        return Ops.call(id, new Tensor[] {a}, numbers, ints)[0];
    }

    static Tensor one(int id, Tensor a, long[] ints) {
        return one(id, a, NO_NUMBERS, ints);
    }

    static ValuesIndices valuesIndices(int id, Tensor a, int dim, boolean keepDim) {
        Tensor[] r = Ops.call(id, new Tensor[] {a}, NO_NUMBERS, new long[] {dim, flag(keepDim)});
        return new ValuesIndices(r[0], r[1]);
    }

    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        Tensor[] in = b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b};
        return Ops.call(LINEAR, in, NO_NUMBERS, new long[0])[0];
    }
}
