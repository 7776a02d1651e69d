package dev.nabla.optim;

/** Argument checks with PyTorch's wording. */
final class Checks {
    private Checks() {}

    static void nonNegative(String who, String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": invalid " + what + ": " + v + " (must be finite and >= 0)");
        }
    }

    static void finite(String who, String what, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(who + ": invalid " + what + ": " + v + " (must be finite)");
        }
    }

    static void beta(String who, int index, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(who + ": invalid beta parameter at index " + index + ": " + v
                    + " (must be in [0, 1))");
        }
    }
}
