package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Normalizes over the last dims given by {@code normalizedShape} with the biased variance, then applies an
 * elementwise affine map, like {@code torch.nn.LayerNorm}.
 */
public final class LayerNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;

    public LayerNorm(long... normalizedShape) {
        this(normalizedShape, 1e-5, true, DType.FLOAT32);
    }

    public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        registerParameter("weight", elementwiseAffine ? Tensor.ones(dtype, normalizedShape) : null);
        registerParameter("bias", elementwiseAffine ? Tensor.zeros(dtype, normalizedShape) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        int k = normalizedShape.length;
        long[] shape = x.shape().dims();
        boolean fits = shape.length >= k;
        for (int i = 0; fits && i < k; i++) {
            fits = shape[shape.length - k + i] == normalizedShape[i];
        }
        if (!fits) {
            throw new IllegalArgumentException("LayerNorm: given normalized_shape=" + Arrays.toString(normalizedShape)
                    + ", expected input with shape [*, " + Arrays.toString(normalizedShape).replaceAll("[\\[\\]]", "")
                    + "], but got input of size " + x.shape());
        }
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) {
            dims[i] = shape.length - k + i;
        }
        Tensor mean = x.mean(dims, true);
        Tensor centered = x.sub(mean);
        Tensor var = centered.pow(2).mean(dims, true);
        Tensor y = centered.mul(var.add(eps).pow(-0.5));
        Tensor w = parameter("weight");
        return w == null ? y : y.mul(w).add(parameter("bias"));
    }

    @Override
    protected String extraRepr() {
        return "(" + Arrays.toString(normalizedShape).replaceAll("[\\[\\]]", "") + ",), eps=" + eps
                + ", elementwise_affine=" + (parameter("weight") != null ? "True" : "False");
    }
}
