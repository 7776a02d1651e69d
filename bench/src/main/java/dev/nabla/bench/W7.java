package dev.nabla.bench;

import java.util.List;

/**
 * W7, a long chain: {@code x = randn(16)} requiring grad, then 1000 elementwise ops alternating
 * {@code *1.001} and {@code +0.001} (each intermediate's handle closed as the next is made; the graph keeps
 * what backward needs). Forward and backward are timed apart, in µs: {@code forward} is the 1000 ops;
 * {@code backward} is {@code y.sum().backward()} on a graph built untimed just before (the gradient
 * accumulates into {@code x.grad}). Freeing the graph afterwards is not timed in either.
 */
public final class W7 {

    public static final int OPS = 1000;

    /** An engine's W7: a {@link TimedCase} timing the forward chain, or the backward through it. */
    public interface Impl {
        TimedCase open(boolean backward);
    }

    private W7() {}

    public static List<Job> jobs() {
        return List.of(
                new Job("W7-forward", "W7 chain-forward", "us", 1e3, e -> e.w7().open(false)),
                new Job("W7-backward", "W7 chain-backward", "us", 1e3, e -> e.w7().open(true)));
    }
}
