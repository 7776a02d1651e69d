package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.nn.init.Init;

/**
 * {@code y = x W^T + b}, like {@code torch.nn.Linear}. Weight {@code [out, in]}, bias {@code [out]}.
 *
 * <p>PyTorch's default init: {@code kaiming_uniform_(W, a=sqrt(5))}, which is uniform in
 * {@code [-1/sqrt(in), 1/sqrt(in)]}, and the bias uniform in the same bound.
 */
public final class Linear extends Module {
    private final long inFeatures;
    private final long outFeatures;

    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true, DType.FLOAT32);
    }

    public Linear(long inFeatures, long outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, DType.FLOAT32);
    }

    public Linear(long inFeatures, long outFeatures, boolean bias, DType dtype) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got "
                    + inFeatures + " and " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        double bound = 1.0 / Math.sqrt(inFeatures);
        registerParameter("weight", uniform(bound, dtype, outFeatures, inFeatures));
        registerParameter("bias", bias ? uniform(bound, dtype, outFeatures) : null);
    }

    /** Uniform in [-bound, bound) from the default generator, drawn in {@code dtype}. */
    static Tensor uniform(double bound, DType dtype, long... shape) {
        return Init.uniform(Tensor.zeros(dtype, shape), -bound, bound, Generator.defaultGenerator());
    }

    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias, or null. */
    public Tensor bias() {
        return parameter("bias");
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor y = input.matmul(weight().t());
        return bias() == null ? y : y.add(bias());
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias() != null ? "True" : "False");
    }
}
