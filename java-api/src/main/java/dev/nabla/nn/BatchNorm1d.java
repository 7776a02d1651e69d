package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;

/** {@link BatchNorm} over {@code [N, C]} or {@code [N, C, L]} inputs, like {@code torch.nn.BatchNorm1d}. */
public final class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(long numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, DType.FLOAT32);
    }

    public BatchNorm1d(long numFeatures, double eps, double momentum, boolean affine, DType dtype) {
        super(numFeatures, eps, momentum, affine, dtype);
    }

    @Override
    protected void checkInput(Tensor input) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected 2D or 3D input (got " + input.dim() + "D input of shape "
                    + input.shape() + ")");
        }
    }
}
