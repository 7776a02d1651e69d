package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/**
 * Adam, like {@code torch.optim.Adam}. Per parameter, at step t with gradient g, following PyTorch's
 * implementation step for step:
 *
 * <pre>
 * g ← -g                                   if maximize
 * g ← g + weightDecay·θ                    if weightDecay ≠ 0 (L2 penalty; see {@link AdamW} for decoupled)
 * m ← β1·m + (1 - β1)·g                    state "exp_avg"
 * v ← β2·v + (1 - β2)·g²                   state "exp_avg_sq"
 * v̂max ← max(v̂max, v)                      state "max_exp_avg_sq", if amsgrad (then used for v below)
 * denom ← sqrt(v) / sqrt(1 - β2^t) + eps
 * θ ← θ - (lr / (1 - β1^t))·m / denom
 * </pre>
 */
public final class Adam extends AdamBase {

    /**
     * The hyper-parameters of {@link Adam} and {@link AdamW}; defaults from {@link Adam#options()} and
     * {@link AdamW#options()}.
     *
     * @param lr learning rate (1e-3)
     * @param beta1 decay of the first moment (0.9)
     * @param beta2 decay of the second moment (0.999)
     * @param eps term added to the denominator (1e-8)
     * @param weightDecay weight decay: an L2 penalty for Adam (0), decoupled for AdamW (1e-2)
     * @param amsgrad use the maximum of past second moments (false)
     * @param maximize maximize the objective instead (false)
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
            boolean maximize) implements OptimizerOptions<Options> {
        @Override
        public Options lr(double lr) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /** A copy with these betas (PyTorch's {@code betas=(beta1, beta2)}). */
        public Options betas(double beta1, double beta2) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /** A copy with this eps. */
        public Options eps(double eps) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /** A copy with this weight decay. */
        public Options weightDecay(double weightDecay) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /** A copy with AMSGrad on or off. */
        public Options amsgrad(boolean amsgrad) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        /** A copy that maximizes or minimizes. */
        public Options maximize(boolean maximize) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
        }

        @Override
        public void validate() {
            Checks.nonNegative("Adam", "learning rate", lr);
            Checks.nonNegative("Adam", "epsilon value", eps);
            Checks.beta("Adam", 0, beta1);
            Checks.beta("Adam", 1, beta2);
            Checks.nonNegative("Adam", "weight_decay value", weightDecay);
        }
    }

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, no AMSGrad. */
    public static Options options() {
        return new Options(1e-3, 0.9, 0.999, 1e-8, 0, false, false);
    }

    /** Adam over {@code params} with PyTorch's defaults. */
    public Adam(List<Tensor> params) {
        this(params, options());
    }

    /** Adam over {@code params} with {@code options}, e.g. {@code Adam.options().lr(3e-4)}. */
    public Adam(List<Tensor> params, Options options) {
        super("Adam", params, options, false);
    }
}
