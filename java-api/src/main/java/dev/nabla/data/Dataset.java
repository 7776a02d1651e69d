package dev.nabla.data;

/**
 * A finite, indexable collection of examples that a {@link DataLoader} batches (like
 * {@code torch.utils.data.Dataset} with a batched {@code __getitems__}).
 *
 * <p>{@link #batch} may be called from the loader's prefetch thread: implementations must not depend on
 * the calling thread (in particular on its {@link dev.nabla.TensorScope}), and must tolerate being
 * called from a thread other than the one that built them, one call at a time.
 */
public interface Dataset {
    /** The number of examples (like {@code len(dataset)}). */
    int size();

    /**
     * The examples at {@code indices}, in that order, stacked: {@code x} of shape {@code [B, ...]} and
     * {@code y} of shape {@code [B]} with {@code B = indices.length}. The caller owns the new tensors.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [0, size())}
     */
    Batch batch(int[] indices);
}
