package dev.nabla.bench;

/**
 * One prepared workload on one engine: the set-up is done when the case is opened, {@link #run} does the
 * timed work {@code iters} times, {@link #close} frees what the set-up made.
 */
public interface Case extends AutoCloseable {

    /** Runs the workload {@code iters} times; returns a value that depends on the work (kept as a sink). */
    double run(long iters);

    @Override
    void close();
}
