package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;

/** {@link BatchNorm} over {@code [N, C, H, W]} inputs, like {@code torch.nn.BatchNorm2d}. */
public final class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(long numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, DType.FLOAT32);
    }

    public BatchNorm2d(long numFeatures, double eps, double momentum, boolean affine, DType dtype) {
        super(numFeatures, eps, momentum, affine, dtype);
    }

    @Override
    protected void checkInput(Tensor input) {
        if (input.dim() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected 4D input (got " + input.dim() + "D input of shape "
                    + input.shape() + ")");
        }
    }
}
