package dev.nabla;

import java.util.Arrays;

/**
 * An immutable tensor shape, like {@code torch.Size}. {@code toString()} prints {@code [2, 3]}.
 *
 * @param dims the sizes; copied on the way in and out, so a {@code Shape} never changes
 */
public record Shape(long[] dims) {

    /** A shape of these sizes; each must be {@code >= 0}. */
    public Shape {
        dims = dims.clone();
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("Shape: negative size in " + Arrays.toString(dims));
            }
        }
    }

    /** A shape of these sizes. */
    public static Shape of(long... dims) {
        return new Shape(dims);
    }

    /** A copy of the sizes. */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** The number of dimensions ({@code len(shape)}). */
    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code dim}; negative dims count from the end, as in PyTorch. */
    public long size(int dim) {
        int d = dim < 0 ? dim + dims.length : dim;
        if (d < 0 || d >= dims.length) {
            throw new IndexOutOfBoundsException(
                    "Shape.size: dim " + dim + " out of range for a " + dims.length + "-d shape " + this);
        }
        return dims[d];
    }

    /** The number of elements (1 for a scalar shape). */
    public long numel() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
