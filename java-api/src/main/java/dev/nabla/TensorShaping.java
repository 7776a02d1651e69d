package dev.nabla;

/**
 * Shape, slicing and indexing ops beyond the core views (native: ops/shape_ext.cpp, ops/index.cpp).
 *
 * <p>One family of {@link Tensor}'s methods, kept in its own file: {@code Tensor} implements this sealed
 * interface, so each method here is an ordinary public method of every tensor. Each is a call into the
 * native op registry through {@link Ops}.
 *
 * <p>Dims may be negative (counted from the end), as in PyTorch. Views share this tensor's storage;
 * every op here is differentiable in its float input(s). Index tensors are int64 ({@link DType#INT64}),
 * masks bool ({@link DType#BOOL}). Errors: a dim out of range, a bad size or an index out of range
 * throws {@link IllegalArgumentException}; shapes that do not fit throw {@link ShapeMismatchException};
 * each message names the op and the shapes.
 */
public sealed interface TensorShaping permits Tensor {
    /** The tensor the default methods act on. */
    private Tensor self() {
        return (Tensor) this;
    }

    // ---- views ----

    /**
     * This tensor with its dims reordered: dim {@code i} of the result is dim {@code dims[i]} of this one
     * (like {@code torch.permute}); a view. Fails when {@code dims} is not a permutation of this tensor's dims.
     */
    default Tensor permute(int... dims) {
        long[] ds = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            ds[i] = dims[i];
        }
        return Ops.call(ShapeOps.PERMUTE, self(), ds);
    }

    /** This tensor without its size-1 dims (like {@code torch.squeeze(x)}); a view. */
    default Tensor squeeze() {
        return Ops.call(ShapeOps.SQUEEZE, self());
    }

    /** This tensor without dim {@code dim} if it has size 1, else unchanged (like {@code torch.squeeze(x, dim)}); a view. */
    default Tensor squeeze(int dim) {
        return Ops.call(ShapeOps.SQUEEZE_DIM, self(), (long) dim);
    }

    /**
     * This tensor with a new size-1 dim at position {@code dim}, in {@code [-dim()-1, dim()]}
     * (like {@code torch.unsqueeze}); a view.
     */
    default Tensor unsqueeze(int dim) {
        return Ops.call(ShapeOps.UNSQUEEZE, self(), (long) dim);
    }

    /** All dims merged into one (like {@code torch.flatten(x)}); a view when the strides allow, else a copy. */
    default Tensor flatten() {
        return flatten(0, -1);
    }

    /**
     * Dims {@code startDim..endDim} (inclusive) merged into one (like {@code torch.flatten(x, start_dim, end_dim)}),
     * with reshape semantics: a view when the strides allow, else a copy. A 0-d tensor becomes shape [1].
     */
    default Tensor flatten(int startDim, int endDim) {
        return Ops.call(ShapeOps.FLATTEN, self(), (long) startDim, (long) endDim);
    }

    /**
     * This tensor broadcast to {@code shape} (like {@code torch.broadcast_to}, the same as {@link Tensor#expand}):
     * size-1 dims are repeated without copying, -1 keeps a size, new dims are added in front; a view.
     */
    default Tensor broadcastTo(long... shape) {
        return self().expand(shape);
    }

    /**
     * {@code length} entries along {@code dim} from {@code start}, which may be negative (like
     * {@code torch.narrow}); a view. Fails when the range does not fit the dim.
     */
    default Tensor narrow(int dim, long start, long length) {
        return Ops.call(ShapeOps.NARROW, self(), (long) dim, start, length);
    }

    /**
     * Python's {@code x[start:end:step]} along {@code dim} (like {@code x[:, start:end:step]} in PyTorch);
     * a view. Negative bounds count from the end and out-of-range ones are clamped, as Python does
     * ({@code Long.MAX_VALUE} for "to the end"); {@code step} must be positive.
     */
    default Tensor slice(int dim, long start, long end, long step) {
        return Ops.call(ShapeOps.SLICE, self(), (long) dim, start, end, step);
    }

    /** Python's {@code x[start:end]} along {@code dim}; see {@link #slice(int, long, long, long)}. */
    default Tensor slice(int dim, long start, long end) {
        return slice(dim, start, end, 1);
    }

    /**
     * Entry {@code index} along {@code dim}, which is dropped (like {@code torch.select}, or {@code x[i]} for
     * dim 0); a view. A negative index counts from the end; an index out of range fails.
     */
    default Tensor select(int dim, long index) {
        return Ops.call(ShapeOps.SELECT, self(), (long) dim, index);
    }

    // ---- splitting ----

    /**
     * Pieces of {@code splitSize} along {@code dim}, the last one smaller if the size does not divide
     * (like {@code torch.split(x, split_size, dim)}); views. The gradient of this tensor is the pieces'
     * gradients concatenated, with zeros for pieces that got none. At most 256 pieces.
     */
    default Tensor[] split(long splitSize, int dim) {
        return ShapeOps.multi(ShapeOps.SPLIT, self(), splitSize, dim);
    }

    /**
     * Pieces of the given sizes along {@code dim}, which must sum to its size (like
     * {@code torch.split(x, [sizes], dim)}); views. At most 63 sizes.
     */
    default Tensor[] split(long[] sizes, int dim) {
        long[] ints = new long[sizes.length + 1];
        ints[0] = dim;
        System.arraycopy(sizes, 0, ints, 1, sizes.length);
        return ShapeOps.multi(ShapeOps.SPLIT_WITH_SIZES, self(), ints);
    }

    /**
     * {@code chunks} pieces along {@code dim} as {@code torch.chunk} sizes them: each of
     * {@code ceil(size / chunks)}, the last smaller, so there may be fewer than {@code chunks}; views.
     */
    default Tensor[] chunk(int chunks, int dim) {
        return ShapeOps.multi(ShapeOps.CHUNK, self(), chunks, dim);
    }

    // ---- indexing ----

    /**
     * The entries {@code index[k]} along {@code dim}, in that order, repeats allowed (like
     * {@code torch.index_select}); a copy. {@code index} is a 1-d int64 tensor; an index out of range fails.
     */
    default Tensor indexSelect(int dim, Tensor index) {
        return Ops.call(ShapeOps.INDEX_SELECT, new Tensor[] {self(), index}, new double[0], new long[] {dim})[0];
    }

    /**
     * {@code out[i][j][k] = this[i][index[i][j][k]][k]} for {@code dim == 1}, and likewise for other dims
     * (like {@code torch.gather}); a copy with {@code index}'s shape. {@code index} is int64 with this tensor's
     * number of dims and sizes no larger apart from {@code dim}.
     */
    default Tensor gather(int dim, Tensor index) {
        return Ops.call(ShapeOps.GATHER, new Tensor[] {self(), index}, new double[0], new long[] {dim})[0];
    }

    /**
     * A copy of this tensor with {@code src[i][j][k]} added at {@code [i][index[i][j][k]][k]} for {@code dim == 1},
     * and likewise for other dims; repeated indices add up (like {@code torch.scatter_add}, out of place).
     * {@code index} is int64, no larger than {@code src} anywhere nor than this tensor apart from {@code dim};
     * {@code src} has this tensor's dtype.
     */
    default Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Ops.call(ShapeOps.SCATTER_ADD, new Tensor[] {self(), index, src}, new double[0], new long[] {dim})[0];
    }

    /**
     * This tensor with {@code value} where {@code mask} is true (like {@code torch.masked_fill}, out of place).
     * {@code mask} is bool and broadcasts with this tensor; the result has the broadcast shape. No gradient
     * flows to the filled positions.
     */
    default Tensor maskedFill(Tensor mask, double value) {
        return Ops.call(ShapeOps.MASKED_FILL, new Tensor[] {self(), mask}, new double[] {value}, new long[0])[0];
    }
}
