package dev.nabla.bench;

import java.util.List;
import java.util.Locale;

/** W4, {@code a.sum()} over 16M float32 ({@code a = randn(16M)}), read back with {@code item()}, in ms; 64 MiB read. */
public final class W4 {

    public static final long N = 16L << 20;
    public static final double BYTES = 4.0 * N;

    /** An engine's W4: {@link Case#run} sums that many times and returns the last sum. */
    public interface Impl {
        Case open();
    }

    private W4() {}

    public static List<Job> jobs() {
        return List.of(new Job("W4", "W4 sum 16M", "ms", 1e6, e -> e.w4().open(), 0,
                ms -> String.format(Locale.ROOT, "= %.2f GB/s read (64 MiB)", BYTES / (ms * 1e6))));
    }
}
