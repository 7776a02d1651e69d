package dev.nabla.bench;

import java.util.List;

/**
 * F1 and F2 (BENCHMARKS.md), training speed on Fashion-MNIST, in seconds per epoch. Both engines train from
 * the same data in memory ({@link FashionData}), batch 64 taken in order (batch {@code k} is rows
 * {@code 64k .. 64k+63}, wrapping after the 937 full batches), Adam lr 1e-3, cross-entropy (log-softmax +
 * NLL, mean); per step: zero grads, forward, loss, backward, step, {@code loss.item()}.
 * <ul>
 *   <li>F1: MLP 784-256-128-10, ReLU.</li>
 *   <li>F2: CNN conv(1-&gt;32, 3x3) - relu - maxpool2 - conv(32-&gt;64, 3x3) - relu - maxpool2 -
 *       fc(1600-&gt;128) - relu - fc(128-&gt;10).</li>
 * </ul>
 * To keep the benchmark short a trial is a fixed number of batches ({@code --f1-batches},
 * {@code --f2-batches}), the time per batch scaled to an epoch of {@link #BATCHES_PER_EPOCH} batches.
 */
public final class F {

    public static final int BATCH = 64;
    public static final int BATCHES_PER_EPOCH = 938; // ceil(60000 / 64)
    public static final double LR = 1e-3;
    static long f1Batches = 200;
    static long f2Batches = 60;

    /** An engine's F1 ({@code cnn} false) or F2: {@link Case#run} trains that many batches, returns the last loss. */
    public interface Impl {
        Case open(boolean cnn);
    }

    private F() {}

    /** Index of the first row of step {@code k}. */
    static long start(long k) {
        return (k % (60000 / BATCH)) * BATCH;
    }

    public static List<Job> jobs() {
        double nsPerUnit = 1e9 / BATCHES_PER_EPOCH; // ns per batch -> s per epoch
        return List.of(
                new Job("F1", "F1 fashion-mlp", "s/epoch", nsPerUnit, e -> e.f().open(false), f1Batches,
                        s -> String.format(java.util.Locale.ROOT, "(%d batches per trial, scaled to %d)",
                                f1Batches, BATCHES_PER_EPOCH)),
                new Job("F2", "F2 fashion-cnn", "s/epoch", nsPerUnit, e -> e.f().open(true), f2Batches,
                        s -> String.format(java.util.Locale.ROOT, "(%d batches per trial, scaled to %d)",
                                f2Batches, BATCHES_PER_EPOCH)));
    }
}
