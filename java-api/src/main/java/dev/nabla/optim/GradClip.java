package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, like {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. Both
 * change the gradients in place with grad mode off and skip parameters whose gradient is null.
 */
public final class GradClip {
    private GradClip() {}

    /** {@link #clipGradNorm(List, double, double)} with the 2-norm. */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0);
    }

    /**
     * Scales all gradients together so that their total norm is at most {@code maxNorm}, like
     * {@code clip_grad_norm_(params, max_norm, norm_type)}: the total norm is the {@code normType}-norm of
     * the per-gradient norms (the norm of all gradients concatenated), and every gradient is multiplied
     * by {@code min(maxNorm / (totalNorm + 1e-6), 1)}. A NaN or infinite total norm propagates into the
     * gradients, as in PyTorch with {@code error_if_nonfinite=False}.
     *
     * @param normType a p &gt; 0, or {@code Double.POSITIVE_INFINITY} for the max-abs norm
     * @return the total norm of the gradients before clipping (0 when no parameter has a gradient)
     * @throws IllegalArgumentException for a normType that is not positive
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm, double normType) {
        if (!(normType > 0)) {
            throw new IllegalArgumentException("clipGradNorm: norm_type must be > 0 or infinity, got " + normType);
        }
        try (GradMode.Guard ignored = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            List<Tensor> grads = grads(params);
            if (grads.isEmpty()) {
                return 0.0;
            }
            // As PyTorch: the norm of each gradient, then the norm of those norms, in the gradients' dtype.
            DType dtype = grads.get(0).dtype();
            List<Tensor> norms = new ArrayList<>(grads.size());
            for (Tensor g : grads) {
                dtype = g.dtype() == dtype ? dtype : DType.FLOAT64;
                norms.add(norm(g, normType));
            }
            if (dtype == DType.FLOAT64) {
                norms.replaceAll(n -> n.to(DType.FLOAT64));
            }
            Tensor total = norm(Tensor.stack(0, norms), normType);
            // coef = min(maxNorm / (total + 1e-6), 1); NaN stays NaN, so a NaN norm spreads to every gradient
            Tensor coef = total.add(1e-6).rdiv(maxNorm).clampMax(1.0);
            for (Tensor g : grads) {
                g.mulInPlace(coef.dtype() == g.dtype() ? coef : coef.to(g.dtype()));
            }
            return total.item();
        }
    }

    /** The p-norm of all elements of {@code g}, a 0-d tensor; 0 for an empty tensor. */
    private static Tensor norm(Tensor g, double p) {
        if (g.numel() == 0) {
            return Tensor.zeros(g.dtype());
        }
        if (p == 1 || p == 2 || p == Double.POSITIVE_INFINITY) {
            return g.norm(p);
        }
        // (Σ|x|^p)^(1/p) for the p that linalg.vector_norm has no fast path for
        return g.abs().pow(p).sum().pow(1 / p);
    }

    /**
     * Clamps every gradient element into {@code [-clipValue, clipValue]}, like
     * {@code clip_grad_value_(params, clip_value)}.
     *
     * @throws IllegalArgumentException for a negative or NaN clipValue
     */
    public static void clipGradValue(List<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("clipGradValue: clip_value must be >= 0, got " + clipValue);
        }
        try (GradMode.Guard ignored = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            for (Tensor g : grads(params)) {
                try (Tensor clamped = g.clamp(-clipValue, clipValue)) {
                    g.copyInPlace(clamped); // like clamp_: bumps the gradient's version
                }
            }
        }
    }

    private static List<Tensor> grads(List<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }
}
