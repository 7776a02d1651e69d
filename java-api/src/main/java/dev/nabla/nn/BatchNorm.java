package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Tensor;

/**
 * Batch normalization over the channel dim (dim 1), the shared part of {@link BatchNorm1d} and
 * {@link BatchNorm2d}: in training mode it normalizes with the batch's mean and biased variance and updates the
 * running statistics ({@code running = (1 - momentum) * running + momentum * batch}, the variance unbiased);
 * in eval mode it uses the running statistics. Like PyTorch's {@code _BatchNorm}.
 */
public abstract class BatchNorm extends Module {
    private final long numFeatures;
    private final double eps;
    private final double momentum;

    protected BatchNorm(long numFeatures, double eps, double momentum, boolean affine, DType dtype) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        registerParameter("weight", affine ? Tensor.ones(dtype, numFeatures) : null);
        registerParameter("bias", affine ? Tensor.zeros(dtype, numFeatures) : null);
        registerBuffer("running_mean", Tensor.zeros(dtype, numFeatures));
        registerBuffer("running_var", Tensor.ones(dtype, numFeatures));
        registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64));
    }

    /** The input ranks this layer accepts (2 or 3 for 1d, 4 for 2d), checked with a clear message. */
    protected abstract void checkInput(Tensor input);

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + numFeatures
                    + " channels in dim 1, got input of shape " + x.shape());
        }
        int[] dims = reducedDims(x.dim());
        long[] bshape = new long[x.dim()];
        java.util.Arrays.fill(bshape, 1);
        bshape[1] = numFeatures;
        Tensor mean;
        Tensor var;
        if (isTraining()) {
            long n = x.numel() / numFeatures;
            if (n <= 1) {
                throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                        + x.shape());
            }
            mean = x.mean(dims, true);
            var = x.sub(mean).pow(2).mean(dims, true);
            try (var g = GradMode.noGrad()) {
                Tensor rm = buffer("running_mean");
                Tensor rv = buffer("running_var");
                rm.mulInPlace(1 - momentum).addInPlace(mean.reshape(numFeatures), momentum);
                rv.mulInPlace(1 - momentum).addInPlace(var.reshape(numFeatures), momentum * n / (n - 1.0));
                buffer("num_batches_tracked").addInPlace(1);
            }
        } else {
            mean = buffer("running_mean").reshape(bshape);
            var = buffer("running_var").reshape(bshape);
        }
        Tensor y = x.sub(mean).mul(var.add(eps).pow(-0.5));
        Tensor w = parameter("weight");
        Tensor b = parameter("bias");
        if (w != null) {
            y = y.mul(w.reshape(bshape)).add(b.reshape(bshape));
        }
        return y;
    }

    /** Every dim but the channel dim 1. */
    private static int[] reducedDims(int rank) {
        int[] dims = new int[rank - 1];
        dims[0] = 0;
        for (int i = 2; i < rank; i++) {
            dims[i - 1] = i;
        }
        return dims;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (parameter("weight") != null ? "True" : "False")
                + ", track_running_stats=True";
    }
}
