package dev.nabla.bench;

import java.util.List;

/**
 * W6, one MLP training step in ms: batch 128, 784-512-256-10, ReLU, cross-entropy (log-softmax + NLL, mean),
 * SGD (lr 0.01) update, zero grads (set to none, the default of both engines). Fixed random data
 * ({@code x = randn(128, 784)}, labels {@code i % 10}), made once. Per step: zero grads, forward, loss,
 * backward, step. Same shapes and ops on both engines; the initial weights are each engine's default init.
 */
public final class W6 {

    public static final int BATCH = 128;
    public static final double LR = 0.01;

    /** An engine's W6: {@link Case#run} runs that many steps and returns the last loss (read with item). */
    public interface Impl {
        Case open();
    }

    private W6() {}

    public static long[] labels() {
        long[] y = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = i % 10;
        }
        return y;
    }

    public static List<Job> jobs() {
        return List.of(new Job("W6", "W6 mlp-step", "ms/step", 1e6, e -> e.w6().open()));
    }
}
