package dev.nabla.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * The bandwidth reference for W3's "at least 0.8 of the bandwidth limit": STREAM's triad
 * {@code a[i] = b[i] + s * c[i]} on three arrays of W3's size (16M floats, 64 MiB each, far beyond the
 * LLC), counted as STREAM counts it (3 arrays moved), in GB/s over {@value #TRIALS} trials: the median, to
 * set against W3's median, and the best, as STREAM reports it. Measured in the bench process right next to
 * W3, because this VM's bandwidth moves by a factor of two within minutes (neighbours on the host): a C
 * triad gave 22-34 GB/s at 1 thread and 30-73 GB/s at 2 over one hour.
 *
 * <p>Plain Java arrays: C2 vectorizes the loop with ordinary stores, as STREAM's C code compiles. Measured
 * against a C triad (gcc -O3) on this box: 22.6 / 30 GB/s against 25.7 / 31.6 at 1 / 2 threads.
 */
final class Triad {

    private static final int TRIALS = 15;

    private Triad() {}

    /** Triad rates in GB/s (median, min, max over the trials), the work split into {@code threads} equal ranges. */
    static Stats gbPerSecond(int threads) {
        int n = (int) W3.N;
        float[] a = new float[n], b = new float[n], c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        double[] gbs = new double[TRIALS];
        for (int i = 0; i < 20_000; i++) { // C2 first: a few calls of the long loop leave it in C1's code
            triad(a, b, c, 0, 4096);
        }
        try {
            // The calling thread takes the last range, so no more threads than cores are runnable, and the
            // clock starts before the workers are released: a caller descheduled between the two would
            // otherwise miss part of the work (a "best" of 148 GB/s at 2 threads).
            CyclicBarrier start = new CyclicBarrier(threads), end = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads - 1; t++) {
                int lo = (int) ((long) n * t / threads), hi = (int) ((long) n * (t + 1) / threads);
                workers.add(Thread.ofPlatform().daemon().start(() -> {
                    try {
                        for (int r = 0; r < TRIALS + 3; r++) {
                            start.await();
                            triad(a, b, c, lo, hi);
                            end.await();
                        }
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }));
            }
            int lo = (int) ((long) n * (threads - 1) / threads);
            for (int r = 0; r < TRIALS + 3; r++) { // 3 warm-up rounds: page faults
                long t0 = System.nanoTime();
                start.await();
                triad(a, b, c, lo, n);
                end.await();
                long dt = System.nanoTime() - t0;
                if (r >= 3) {
                    gbs[r - 3] = 3.0 * 4 * n / dt;
                }
            }
            for (Thread w : workers) {
                w.join();
            }
        } catch (Exception ex) {
            throw new IllegalStateException("triad reference", ex);
        }
        return Stats.of(gbs, 1);
    }

    private static void triad(float[] a, float[] b, float[] c, int lo, int hi) {
        final float s = 3f;
        for (int i = lo; i < hi; i++) {
            a[i] = b[i] + s * c[i];
        }
    }
}
