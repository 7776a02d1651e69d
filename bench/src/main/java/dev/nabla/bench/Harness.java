package dev.nabla.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Warm-up, calibration and alternating trials. Every engine's case is warmed up first; then each trial runs
 * every engine once, in an order that flips from trial to trial (A B, B A, ...), so that drift of the machine
 * falls on all engines alike. A trial runs a fixed number of iterations, chosen per engine so that it takes
 * about {@code trialMs}.
 */
public final class Harness {

    /** Options shared by all workloads. */
    public record Options(int trials, long trialMs, long warmupMs) {}

    /** An opened case and the name of its engine. */
    public record Entry(String engine, Case c) {}

    static volatile double sink;

    private Harness() {}

    /** Returns, per engine name, the statistics of the time per iteration in nanoseconds divided by {@code unitNs}. */
    public static Map<String, Stats> measure(List<Entry> entries, Options o, double unitNs) {
        return measure(entries, o, unitNs, 0);
    }

    /**
     * As {@link #measure(List, Options, double)}; with {@code fixedIters > 0} every trial runs that many
     * iterations after a warm-up of {@code max(3, fixedIters / 10)}, and at most 5 trials (for workloads whose
     * iterations are long and whose length is fixed by the workload: F1, F2).
     */
    public static Map<String, Stats> measure(List<Entry> entries, Options o, double unitNs, long fixedIters) {
        int n = entries.size();
        long[] iters = new long[n];
        for (int e = 0; e < n; e++) {
            if (fixedIters > 0) {
                timeOnce(entries.get(e).c(), Math.max(3, fixedIters / 10));
                iters[e] = fixedIters;
            } else {
                iters[e] = warmUp(entries.get(e).c(), o);
            }
        }
        int trials = fixedIters > 0 ? Math.min(o.trials(), 5) : o.trials(); // long fixed trials: 5 (the minimum)
        double[][] perOp = new double[n][trials];
        for (int t = 0; t < trials; t++) {
            for (int k = 0; k < n; k++) {
                int e = (t % 2 == 0) ? k : n - 1 - k;
                settle();
                long ns = timeOnce(entries.get(e).c(), iters[e]);
                perOp[e][t] = ns / (double) iters[e] / unitNs;
            }
        }
        Map<String, Stats> out = new LinkedHashMap<>();
        for (int e = 0; e < n; e++) {
            out.put(entries.get(e).engine(), Stats.of(perOp[e], iters[e]));
        }
        return out;
    }

    /**
     * Both engines' OpenBLAS pools busy-wait for a while after each call (OpenBLAS's thread timeout, about
     * 0.1 s); a trial that starts right after the other engine's would share the cores with those spinning
     * threads. A pause before every trial lets them go to sleep, so neither engine pays for the other.
     */
    private static void settle() {
        try {
            Thread.sleep(SETTLE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final long SETTLE_MS = Long.getLong("bench.settleMs", 300);

    /** Runs the case for at least {@code warmupMs}, doubling the batch; returns the iterations for one trial. */
    private static long warmUp(Case c, Options o) {
        long deadline = System.nanoTime() + o.warmupMs() * 1_000_000L;
        long batch = 1;
        long ns;
        do {
            ns = timeOnce(c, batch);
            if (ns < o.trialMs() * 1_000_000L / 8) {
                batch *= 2;
            }
        } while (System.nanoTime() < deadline || (ns < 1_000_000L && batch < (1L << 40)));
        double perIter = ns / (double) batch;
        return Math.max(1, Math.round(o.trialMs() * 1e6 / perIter));
    }

    private static long timeOnce(Case c, long iters) {
        if (c instanceof TimedCase tc) {
            return tc.runTimed(iters);
        }
        long t0 = System.nanoTime();
        double s = c.run(iters);
        long t1 = System.nanoTime();
        sink += s;
        return t1 - t0;
    }
}
