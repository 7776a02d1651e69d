package dev.nabla.bench;

import java.util.List;

/**
 * W1, the training loop of the PyTorch autograd tutorial, in µs per epoch. Set-up: {@code x = ones(2,2)}
 * requiring grad, {@code y = (x + 2).detach()}, {@code w = randn(1)}, {@code b = randn(1)} requiring grad.
 * Per epoch: {@code pred = w*x + b; loss = (pred - y).pow(2).mean(); loss.item(); loss.backward();}
 * under no-grad {@code w -= lr*w.grad; b -= lr*b.grad}; then zero both grads.
 */
public final class W1 {

    public static final double LR = 0.01;
    public static final long SEED = 42;

    /** An engine's W1: {@link Case#run} runs that many epochs and returns the last loss. */
    public interface Impl {
        Case open();
    }

    private W1() {}

    public static List<Job> jobs() {
        return List.of(new Job("W1", "W1 tutorial-loop", "us/epoch", 1_000.0, e -> e.w1().open()));
    }
}
