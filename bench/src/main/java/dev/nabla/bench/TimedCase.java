package dev.nabla.bench;

/**
 * A case that times only part of each iteration itself (W7: forward and backward apart; the set-up of each
 * iteration, e.g. building the graph that backward walks, is not counted). The harness uses the nanoseconds
 * it returns instead of the wall time of the whole call.
 */
public interface TimedCase extends Case {

    /** Runs the workload {@code iters} times; returns the nanoseconds spent in the timed part. */
    long runTimed(long iters);

    @Override
    default double run(long iters) {
        return runTimed(iters);
    }
}
