package dev.nabla.data;

import dev.nabla.Tensor;

/**
 * One batch: inputs {@code x} of shape {@code [B, ...]} and targets {@code y} of shape {@code [B]}.
 * Closing it closes both tensors; use it in try-with-resources:
 *
 * <pre>{@code
 * try (Batch b = it.next()) {
 *     Tensor loss = lossFn.forward(model.forward(b.x()), b.y());
 *     ...
 * }
 * }</pre>
 *
 * @param x the inputs, {@code [B, ...]}
 * @param y the targets, {@code [B]}
 */
public record Batch(Tensor x, Tensor y) implements AutoCloseable {
    /** The number of examples, {@code B}. */
    public long size() {
        return x.size(0);
    }

    /** Closes {@code x} and {@code y}; closing again does nothing. */
    @Override
    public void close() {
        x.close();
        y.close();
    }
}
