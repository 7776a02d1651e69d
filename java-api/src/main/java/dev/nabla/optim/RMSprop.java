package dev.nabla.optim;

import dev.nabla.NativeOps;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * RMSprop, like {@code torch.optim.RMSprop}. Per parameter, with gradient g, following PyTorch's
 * implementation step for step:
 *
 * <pre>
 * g ← -g                                   if maximize
 * g ← g + weightDecay·θ                    if weightDecay ≠ 0
 * v ← α·v + (1 - α)·g²                     state "square_avg"
 * if centered:
 *     ḡ ← lerp(ḡ, g, 1 - α)                state "grad_avg"
 *     avg ← sqrt(v - ḡ²) + eps
 * else avg ← sqrt(v) + eps
 * if momentum &gt; 0:
 *     b ← momentum·b + g / avg             state "momentum_buffer", starting from zeros
 *     θ ← θ - lr·b
 * else θ ← θ - lr·g / avg
 * </pre>
 */
public final class RMSprop extends Optimizer<RMSprop.Options> {

    /**
     * RMSprop's hyper-parameters, PyTorch's defaults from {@link RMSprop#options()}.
     *
     * @param lr learning rate (1e-2)
     * @param alpha smoothing constant (0.99)
     * @param eps term added to the denominator (1e-8)
     * @param weightDecay L2 penalty (0)
     * @param momentum momentum factor (0)
     * @param centered normalize by the estimated variance of the gradient (false)
     * @param maximize maximize the objective instead (false)
     */
    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
            boolean maximize) implements OptimizerOptions<Options> {
        @Override
        public Options lr(double lr) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy with this smoothing constant. */
        public Options alpha(double alpha) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy with this eps. */
        public Options eps(double eps) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy with this weight decay. */
        public Options weightDecay(double weightDecay) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy with this momentum factor. */
        public Options momentum(double momentum) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy with centering on or off. */
        public Options centered(boolean centered) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        /** A copy that maximizes or minimizes. */
        public Options maximize(boolean maximize) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize);
        }

        @Override
        public void validate() {
            Checks.nonNegative("RMSprop", "learning rate", lr);
            Checks.nonNegative("RMSprop", "epsilon value", eps);
            Checks.nonNegative("RMSprop", "momentum value", momentum);
            Checks.nonNegative("RMSprop", "weight_decay value", weightDecay);
            Checks.nonNegative("RMSprop", "alpha value", alpha);
        }
    }

    /** PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum, not centered. */
    public static Options options() {
        return new Options(1e-2, 0.99, 1e-8, 0, 0, false, false);
    }

    /** RMSprop over {@code params} with PyTorch's defaults. */
    public RMSprop(List<Tensor> params) {
        this(params, options());
    }

    /** RMSprop over {@code params} with {@code options}, e.g. {@code RMSprop.options().lr(1e-3).centered(true)}. */
    public RMSprop(List<Tensor> params, Options options) {
        super("RMSprop", params, options);
    }

    // One native pass per parameter (rmsprop_step_ in native/src/ops/optim_rmsprop.cpp) with PyTorch's
    // arithmetic in its order: through tensor ops the step made 6-10 passes and 2-4 temporaries.
    @Override
    protected void update(ParamGroup<Options> group, Tensor param, Tensor grad, ParamState state) {
        Options o = group.options();
        List<Tensor> tensors = new ArrayList<>(5);
        tensors.add(param);
        tensors.add(grad);
        tensors.add(state.zerosLike("square_avg", param));
        if (o.centered()) {
            tensors.add(state.zerosLike("grad_avg", param));
        }
        if (o.momentum() > 0) {
            tensors.add(state.zerosLike("momentum_buffer", param));
        }
        NativeOps.call("rmsprop_step_", tensors.toArray(new Tensor[0]),
                new double[] {o.lr(), o.alpha(), o.eps(), o.weightDecay(), o.momentum()},
                new long[] {o.centered() ? 1 : 0, o.maximize() ? 1 : 0});
    }
}
