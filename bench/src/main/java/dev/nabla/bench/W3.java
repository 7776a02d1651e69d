package dev.nabla.bench;

import java.util.List;
import java.util.Locale;

/**
 * W3, {@code relu(a*b + c)} on 16M float32 ({@code a, b, c = randn(16M)}), forward, nothing requires grad,
 * fresh outputs each iteration (as users write it: every op returns a new tensor, freed at once), in ms.
 *
 * <p>Bytes: the op must at least read a, b, c and write the result, 4 x 64 MiB = 256 MiB ("must move").
 * Computed unfused, as both engines do it eagerly, it moves 8 x 64 MiB = 512 MiB: {@code a*b} reads 2 and
 * writes 1, {@code +c} reads 2 and writes 1, {@code relu} reads 1 and writes 1.
 */
public final class W3 {

    public static final long N = 16L << 20;
    public static final double MUST_MOVE_BYTES = 4.0 * N * 4;
    public static final double UNFUSED_BYTES = 8.0 * N * 4;

    /** An engine's W3: {@link Case#run} computes {@code relu(a*b + c)} that many times. */
    public interface Impl {
        Case open();
    }

    private W3() {}

    public static List<Job> jobs() {
        return List.of(new Job("W3", "W3 relu(a*b+c) 16M", "ms", 1e6, e -> e.w3().open(), 0,
                ms -> String.format(Locale.ROOT, "= %.2f GB/s must-move (4 x 64 MiB: read a,b,c, write result)"
                        + ", %.2f GB/s unfused traffic (8 x 64 MiB: a*b, +c, relu each read and write)",
                        MUST_MOVE_BYTES / (ms * 1e6), UNFUSED_BYTES / (ms * 1e6))));
    }
}
