package dev.nabla.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * W5, float32 {@code NxN @ NxN} ({@code a, b = randn(N, N)}): forward for N = 256, 1024, 2048, in ms and
 * GFLOP/s ({@code 2 N^3 / t}); and at N = 1024 forward + backward with both inputs requiring grad
 * ({@code c = a @ b; c.sum().backward()}, the gradients accumulating into {@code a.grad}, {@code b.grad}),
 * in ms. RATIO lines compare times (so {@code < 1}: Nabla faster).
 */
public final class W5 {

    public static final int[] SIZES = {256, 1024, 2048};
    public static final int GRAD_N = 1024;

    /** An engine's W5: {@link Case#run} runs that many matmuls (with backward when {@code backward}). */
    public interface Impl {
        Case open(int n, boolean backward);
    }

    private W5() {}

    static double gflops(int n, double ms) {
        return 2.0 * n * n * n / (ms * 1e6);
    }

    public static List<Job> jobs() {
        List<Job> jobs = new ArrayList<>();
        for (int n : SIZES) {
            jobs.add(new Job("W5-" + n, "W5 matmul N=" + n, "ms", 1e6, e -> e.w5().open(n, false), 0,
                    ms -> String.format(Locale.ROOT, "= %.1f GFLOP/s", gflops(n, ms))));
        }
        jobs.add(new Job("W5-" + GRAD_N + "-fwdbwd", "W5 matmul+backward N=" + GRAD_N, "ms", 1e6,
                e -> e.w5().open(GRAD_N, true), 0,
                ms -> String.format(Locale.ROOT, "(3 matmuls: %.1f GFLOP/s)", 3 * gflops(GRAD_N, ms))));
        return jobs;
    }
}
