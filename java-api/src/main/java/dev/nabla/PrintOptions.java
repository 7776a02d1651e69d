package dev.nabla;

/**
 * How {@link Tensor#toString()} prints, like {@code torch.set_printoptions}: digits after the point,
 * the element count above which a tensor is summarized with {@code ...}, how many items to show at
 * each edge when summarizing, the line width, and whether to force scientific notation.
 *
 * <pre>{@code
 * PrintOptions.set(PrintOptions.defaults().withPrecision(2));   // torch.set_printoptions(precision=2)
 * PrintOptions.set(PrintOptions.FULL);                           // torch.set_printoptions(profile="full")
 * PrintOptions.reset();                                          // back to the defaults
 * }</pre>
 *
 * <p>The options are global (for all threads), as in PyTorch. Immutable: the {@code with...} methods
 * return a changed copy.
 *
 * @param precision digits after the decimal point (PyTorch's default 4)
 * @param threshold tensors with more elements than this are summarized (default 1000;
 *     {@link Long#MAX_VALUE} for never)
 * @param edgeItems items shown at the start and end of each summarized dim (default 3)
 * @param lineWidth characters per line before wrapping (default 80)
 * @param sciMode null to choose scientific notation from the values (the default), true to force it,
 *     false to never use it for floating-point tensors
 */
public record PrintOptions(int precision, long threshold, int edgeItems, int lineWidth, Boolean sciMode) {
    /** PyTorch's defaults ({@code profile="default"}): precision 4, threshold 1000, edgeitems 3, linewidth 80. */
    public static final PrintOptions DEFAULT = new PrintOptions(4, 1000, 3, 80, null);
    /** PyTorch's {@code profile="short"}: precision 2, threshold 1000, edgeitems 2, linewidth 80. */
    public static final PrintOptions SHORT = new PrintOptions(2, 1000, 2, 80, null);
    /** PyTorch's {@code profile="full"}: every element, precision 4, linewidth 80. */
    public static final PrintOptions FULL = new PrintOptions(4, Long.MAX_VALUE, 3, 80, null);

    private static volatile PrintOptions current = DEFAULT;

    /** Checks the ranges. */
    public PrintOptions {
        if (precision < 0 || precision > 30) {
            throw new IllegalArgumentException("PrintOptions: precision must be in [0, 30], got " + precision);
        }
        if (threshold < 0) {
            throw new IllegalArgumentException("PrintOptions: threshold must be >= 0, got " + threshold);
        }
        if (edgeItems < 0) {
            throw new IllegalArgumentException("PrintOptions: edgeItems must be >= 0, got " + edgeItems);
        }
        if (lineWidth < 1) {
            throw new IllegalArgumentException("PrintOptions: lineWidth must be >= 1, got " + lineWidth);
        }
    }

    /** The defaults, to change with the {@code with...} methods. */
    public static PrintOptions defaults() {
        return DEFAULT;
    }

    /** The options in effect now. */
    public static PrintOptions current() {
        return current;
    }

    /** Makes {@code options} the global print options (like {@code torch.set_printoptions}). */
    public static void set(PrintOptions options) {
        current = java.util.Objects.requireNonNull(options, "options");
    }

    /** Restores {@link #DEFAULT} (like {@code torch.set_printoptions(profile="default", sci_mode=None)}). */
    public static void reset() {
        current = DEFAULT;
    }

    /** A copy with this precision. */
    public PrintOptions withPrecision(int precision) {
        return new PrintOptions(precision, threshold, edgeItems, lineWidth, sciMode);
    }

    /** A copy with this summarization threshold. */
    public PrintOptions withThreshold(long threshold) {
        return new PrintOptions(precision, threshold, edgeItems, lineWidth, sciMode);
    }

    /** A copy with this number of edge items. */
    public PrintOptions withEdgeItems(int edgeItems) {
        return new PrintOptions(precision, threshold, edgeItems, lineWidth, sciMode);
    }

    /** A copy with this line width. */
    public PrintOptions withLineWidth(int lineWidth) {
        return new PrintOptions(precision, threshold, edgeItems, lineWidth, sciMode);
    }

    /** A copy with this scientific-notation mode: null (automatic), true or false. */
    public PrintOptions withSciMode(Boolean sciMode) {
        return new PrintOptions(precision, threshold, edgeItems, lineWidth, sciMode);
    }
}
