package dev.nabla.data;

import dev.nabla.DType;
import dev.nabla.Shape;
import dev.nabla.ShapeMismatchException;
import dev.nabla.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * A dataset over two tensors with the same first dimension, like {@code torch.utils.data.TensorDataset}:
 * example {@code i} is {@code (x[i], y[i])}. Batches are gathered by copying rows, so any dtype works.
 *
 * <p>The tensors are borrowed: keep them open while the dataset is used. Their memory is taken once, in
 * the constructor, so the loader's prefetch thread reads it without touching the tensors' Java state;
 * closing a tensor while a loader reads it makes the reading batch fail with
 * {@link IllegalStateException}, never read freed memory.
 */
public final class TensorDataset implements Dataset {
    private final int size;
    private final Column x;
    private final Column y;

    /** The row layout of one tensor: its segment, dtype and the shape of one row (the tensor is kept reachable). */
    private record Column(Tensor tensor, DType dtype, MemorySegment data, long rowBytes, long[] rowShape) {
        static Column of(Tensor t) {
            Tensor c = t.isContiguous() ? t : t.contiguous();
            long[] dims = c.shape().dims();
            long[] row = java.util.Arrays.copyOfRange(dims, 1, dims.length);
            long rowBytes = Shape.of(row).numel() * c.dtype().byteSize();
            MemorySegment data = c.numel() == 0 ? MemorySegment.NULL : c.data();
            return new Column(c, c.dtype(), data, rowBytes, row);
        }

        Tensor gather(int[] indices) {
            long[] dims = new long[rowShape.length + 1];
            dims[0] = indices.length;
            System.arraycopy(rowShape, 0, dims, 1, rowShape.length);
            Tensor out = Tensor.zeros(dtype, dims);
            if (rowBytes > 0 && indices.length > 0) {
                MemorySegment dst = out.data();
                for (int i = 0; i < indices.length; i++) {
                    MemorySegment.copy(data, indices[i] * rowBytes, dst, i * rowBytes, rowBytes);
                }
            }
            return out;
        }
    }

    /**
     * A dataset of {@code (x[i], y[i])}. A non-contiguous tensor is copied once (the copy belongs to the
     * current scope, like any new tensor).
     *
     * @throws ShapeMismatchException when {@code x} and {@code y} differ in their first dimension or either is 0-d
     */
    public TensorDataset(Tensor x, Tensor y) {
        if (x.dim() == 0 || y.dim() == 0) {
            throw new ShapeMismatchException("TensorDataset: x " + x.shape() + " and y " + y.shape()
                    + " must both have a first (example) dimension");
        }
        if (x.size(0) != y.size(0)) {
            throw new ShapeMismatchException("TensorDataset: x " + x.shape() + " and y " + y.shape()
                    + " differ in their first dimension (" + x.size(0) + " vs " + y.size(0) + " examples)");
        }
        this.size = Math.toIntExact(x.size(0));
        this.x = Column.of(x);
        this.y = Column.of(y);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Batch batch(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("TensorDataset.batch: index " + i + " out of range for "
                        + size + " examples");
            }
        }
        Tensor bx = x.gather(indices);
        try {
            return new Batch(bx, y.gather(indices));
        } catch (RuntimeException | Error e) {
            bx.close();
            throw e;
        }
    }
}
