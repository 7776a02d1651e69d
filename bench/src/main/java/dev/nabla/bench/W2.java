package dev.nabla.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * W2, op overhead on 2x2 float32 tensors, in ns per op; the result of every op is freed at once.
 * {@code a}, {@code b} are {@code randn(2,2)}.
 */
public final class W2 {

    /** The sub-cases. Where the name says "graph", {@code a} requires grad, so each op records a node. */
    public enum Sub {
        /** {@code c = a + b}, nothing requires grad. */
        ADD_NOGRAD("add-nograd"),
        /** {@code c = a + b}, {@code a} requires grad. */
        ADD_GRAPH("add-graph"),
        /** {@code c = a * b}, {@code a} requires grad. */
        MUL_GRAPH("mul-graph"),
        /** {@code c = a.sum()}, {@code a} requires grad. */
        SUM_GRAPH("sum-graph");

        public final String id;

        Sub(String id) {
            this.id = id;
        }

        public boolean requiresGrad() {
            return this != ADD_NOGRAD;
        }
    }

    /** An engine's W2: {@link Case#run} runs that many ops, freeing each result. */
    public interface Impl {
        Case open(Sub sub);
    }

    private W2() {}

    public static List<Job> jobs() {
        List<Job> jobs = new ArrayList<>();
        for (Sub s : Sub.values()) {
            jobs.add(new Job("W2-" + s.id, "W2 " + s.id, "ns/op", 1.0, e -> e.w2().open(s)));
        }
        return jobs;
    }
}
