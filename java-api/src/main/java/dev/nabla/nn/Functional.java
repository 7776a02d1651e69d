package dev.nabla.nn;

import dev.nabla.Generator;
import dev.nabla.NativeOps;
import dev.nabla.Tensor;

/**
 * Network functions, like {@code torch.nn.functional}: convolution, pooling, dropout, embedding and
 * one-hot encoding. Each takes float32 or float64 tensors (indices are int64), records the autograd
 * graph like any op, and uses PyTorch's argument defaults. Images are {@code [N, C, H, W]}, or
 * unbatched {@code [C, H, W]}.
 *
 * <p>Size arguments ({@code stride}, {@code padding}, ...) are {@code int[]} pairs {@code {h, w}}, or a
 * single value used for both; an overload with plain {@code int}s covers the square case.
 */
public final class Functional {
    private static final double[] NO_NUMBERS = {};

    private Functional() {}

    // ---- conv2d ----

    /** {@code conv2d(input, weight, bias)} with stride 1, no padding, dilation 1 and one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, 1, 0, 1, 1);
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with the same size in both dims. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
            int groups) {
        return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups);
    }

    /**
     * 2-D convolution (cross-correlation), like {@code torch.nn.functional.conv2d}: input
     * {@code [N, C, H, W]}, weight {@code [O, C / groups, kH, kW]}, bias {@code [O]} or null, gives
     * {@code [N, O, (H + 2 pH - dH (kH - 1) - 1) / sH + 1, ...]}. Gradients flow to all three.
     *
     * @throws dev.nabla.ShapeMismatchException when the channels do not match the weight and groups
     *     ("Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 2, 5, 5] to have 3 channels,
     *     ..."), the bias is not {@code [O]}, or the kernel is larger than the padded input
     * @throws IllegalArgumentException for non-positive stride, dilation or groups, negative padding,
     *     or input and weight of different dtypes
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
            int groups) {
        long[] ints = new long[7];
        pair(ints, 0, stride, 1, "conv2d", "stride");
        pair(ints, 2, padding, 0, "conv2d", "padding");
        pair(ints, 4, dilation, 1, "conv2d", "dilation");
        ints[6] = groups;
        Tensor[] in = bias == null ? new Tensor[] {input, weight} : new Tensor[] {input, weight, bias};
        return NativeOps.call("conv2d", in, NO_NUMBERS, ints)[0];
    }

    // ---- pooling ----

    /** {@code max_pool2d(input, kernelSize)}: stride = kernel size, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, new int[] {kernelSize}, null, null, null);
    }

    /** {@code max_pool2d(input, kernelSize, stride, padding)} with the same size in both dims. */
    public static Tensor maxPool2d(Tensor input, int kernelSize, int stride, int padding) {
        return maxPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null);
    }

    /**
     * Max pooling, like {@code torch.nn.functional.max_pool2d} (without {@code ceil_mode}). {@code stride}
     * null means the kernel size, {@code padding} null 0, {@code dilation} null 1. Padding counts as
     * -infinity; a NaN in a window wins it. The gradient goes to each window's maximum (the first one on
     * ties).
     *
     * @throws IllegalArgumentException for a non-positive kernel, stride or dilation, or padding larger
     *     than half the effective kernel ("pad should be at most half of effective kernel size, ...")
     * @throws dev.nabla.ShapeMismatchException for an input that is not 3-D or 4-D, or too small
     *     ("... Output size is too small")
     */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation) {
        Tensor[] r = maxPool2dWithIndices(input, kernelSize, stride, padding, dilation);
        r[1].close();
        return r[0];
    }

    /**
     * {@link #maxPool2d(Tensor, int[], int[], int[], int[])} that also returns the int64 indices of the
     * maxima, {@code {values, indices}}, each index the flat position {@code h * W + w} in its input
     * plane (like {@code return_indices=True}).
     */
    public static Tensor[] maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
            int[] dilation) {
        long[] ints = new long[8];
        pair(ints, 0, kernelSize, -1, "max_pool2d", "kernel_size");
        pair(ints, 2, stride, -1, "max_pool2d", "stride");
        if (stride == null || stride.length == 0) {
            ints[2] = ints[0];
            ints[3] = ints[1];
        }
        pair(ints, 4, padding, 0, "max_pool2d", "padding");
        pair(ints, 6, dilation, 1, "max_pool2d", "dilation");
        return NativeOps.call("max_pool2d", new Tensor[] {input}, NO_NUMBERS, ints);
    }

    /** {@code avg_pool2d(input, kernelSize)}: stride = kernel size, no padding. */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, null, true);
    }

    /** {@code avg_pool2d(input, kernelSize, stride, padding)}, padding counted in the divisor. */
    public static Tensor avgPool2d(Tensor input, int kernelSize, int stride, int padding) {
        return avgPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, true);
    }

    /**
     * Average pooling, like {@code torch.nn.functional.avg_pool2d} (without {@code ceil_mode} and
     * {@code divisor_override}). {@code stride} null means the kernel size, {@code padding} null 0. With
     * {@code countIncludePad} (PyTorch's default) every window divides by kH * kW; without, by the number
     * of input elements it covers.
     *
     * @throws IllegalArgumentException for a non-positive kernel or stride, or padding larger than half
     *     the kernel
     * @throws dev.nabla.ShapeMismatchException for an input that is not 3-D or 4-D, or too small
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding,
            boolean countIncludePad) {
        long[] ints = new long[7];
        pair(ints, 0, kernelSize, -1, "avg_pool2d", "kernel_size");
        pair(ints, 2, stride, -1, "avg_pool2d", "stride");
        if (stride == null || stride.length == 0) {
            ints[2] = ints[0];
            ints[3] = ints[1];
        }
        pair(ints, 4, padding, 0, "avg_pool2d", "padding");
        ints[6] = countIncludePad ? 1 : 0;
        return NativeOps.call("avg_pool2d", new Tensor[] {input}, NO_NUMBERS, ints)[0];
    }

    // ---- dropout ----

    /**
     * Inverted dropout with the default generator (reseeded by {@link dev.nabla.Nabla#manualSeed(long)}),
     * like {@code torch.nn.functional.dropout(input, p, training)}.
     *
     * @see #dropout(Tensor, double, boolean, Generator)
     */
    public static Tensor dropout(Tensor input, double p, boolean training) {
        return NativeOps.dropout(input, p, training, null);
    }

    /**
     * Inverted dropout: while {@code training}, zeroes each element with probability {@code p} and scales
     * the others by {@code 1 / (1 - p)}, so the expected value is unchanged; the gradient is the same mask
     * times the same scale. Returns {@code input}'s values unchanged (a new handle to the same tensor)
     * when {@code !training} or {@code p == 0}, and zeros when {@code p == 1}. Draws one number per element
     * from {@code generator}, so a seed reproduces the mask.
     *
     * @throws IllegalArgumentException when p is outside [0, 1] ("dropout probability has to be between 0
     *     and 1, but got ...") or the input is not float32/float64
     */
    public static Tensor dropout(Tensor input, double p, boolean training, Generator generator) {
        if (generator == null) {
            throw new NullPointerException("dropout: generator is null; use dropout(input, p, training) for the default one");
        }
        return NativeOps.dropout(input, p, training, generator);
    }

    // ---- embedding, one-hot ----

    /**
     * Looks up rows of {@code weight} {@code [num, dim]} for int64 {@code indices} of any shape, giving
     * {@code [..., dim]}, like {@code torch.nn.functional.embedding}. The gradient adds into the rows
     * used (a repeated index adds up); indices get none.
     *
     * @throws IllegalArgumentException when indices are not int64, or an index is outside [0, num)
     *     ("index out of range in self")
     * @throws dev.nabla.ShapeMismatchException when weight is not 2-D
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return NativeOps.call("embedding", new Tensor[] {indices, weight}, NO_NUMBERS, new long[0])[0];
    }

    /** {@link #oneHot(Tensor, long)} with the number of classes inferred as max + 1. */
    public static Tensor oneHot(Tensor indices) {
        return oneHot(indices, -1);
    }

    /**
     * One-hot encoding, like {@code torch.nn.functional.one_hot}: int64 {@code indices} of any shape to an
     * int64 {@code [..., numClasses]} of 0 and 1. {@code numClasses} -1 means max + 1. Not differentiable.
     *
     * @throws IllegalArgumentException when indices are not int64, negative, or not below numClasses
     */
    public static Tensor oneHot(Tensor indices, long numClasses) {
        return NativeOps.call("one_hot", new Tensor[] {indices}, NO_NUMBERS, new long[] {numClasses})[0];
    }

    /** Writes an (h, w) pair: from one value or two, or {@code dflt} twice when {@code v} is null or empty. */
    private static void pair(long[] out, int at, int[] v, long dflt, String op, String name) {
        if (v == null || v.length == 0) {
            out[at] = dflt;
            out[at + 1] = dflt;
        } else if (v.length == 1) {
            out[at] = v[0];
            out[at + 1] = v[0];
        } else if (v.length == 2) {
            out[at] = v[0];
            out[at + 1] = v[1];
        } else {
            throw new IllegalArgumentException(op + ": " + name + " must be one int or a pair (h, w), got "
                    + v.length + " values");
        }
    }
}
