package dev.nabla;

/**
 * What {@link Tensor#max(int, boolean)} and {@link Tensor#min(int, boolean)} return, like PyTorch's
 * {@code torch.return_types.max}: the values (differentiable, the gradient flows to the chosen element) and
 * their positions along the dim (int64, not differentiable). Closing it closes both tensors.
 *
 * @param values the max (min) along the dim
 * @param indices the position of each value along the dim, int64; the first one among ties
 */
public record ValuesIndices(Tensor values, Tensor indices) implements AutoCloseable {
    /** Closes both tensors. */
    @Override
    public void close() {
        values.close();
        indices.close();
    }
}
