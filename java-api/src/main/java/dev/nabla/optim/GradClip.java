package dev.nabla.optim;

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
            double total;
            if (normType == Double.POSITIVE_INFINITY) {
                total = 0;
                for (Tensor g : grads) {
                    double m = Elementwise.absMax(g);
                    total = (m != m || total != total) ? Double.NaN : Math.max(total, m);
                }
            } else {
                // ‖(‖g_1‖_p, ..., ‖g_k‖_p)‖_p = (Σ_i Σ_j |g_ij|^p)^(1/p); |x|^p = (x²)^(p/2).
                double sum = 0;
                for (Tensor g : grads) {
                    Tensor powered = normType == 2.0 ? g.mul(g) : g.mul(g).pow(normType / 2);
                    double norm = Math.pow(powered.sum().item(), 1 / normType);
                    sum += Math.pow(norm, normType);
                }
                total = Math.pow(sum, 1 / normType);
            }
            double coef = Math.min(maxNorm / (total + 1e-6), 1.0);
            if (Double.isNaN(total)) {
                coef = Double.NaN;
            }
            for (Tensor g : grads) {
                g.mulInPlace(coef);
            }
            return total;
        }
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
                Elementwise.clampInPlace(g, -clipValue, clipValue);
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
