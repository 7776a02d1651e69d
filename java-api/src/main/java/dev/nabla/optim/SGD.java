package dev.nabla.optim;

import dev.nabla.NativeOps;
import dev.nabla.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent, optionally with momentum, like {@code torch.optim.SGD}. Per parameter,
 * with gradient g, following PyTorch's implementation step for step:
 *
 * <pre>
 * g ← -g                               if maximize
 * g ← g + weightDecay·θ                if weightDecay ≠ 0
 * if momentum ≠ 0:
 *     b ← g                            on the first step
 *     b ← momentum·b + (1 - dampening)·g  after
 *     g ← g + momentum·b if nesterov, else g ← b
 * θ ← θ - lr·g
 * </pre>
 *
 * The momentum buffer is kept in the state as {@code "momentum_buffer"}.
 */
public final class SGD extends Optimizer<SGD.Options> {

    /**
     * SGD's hyper-parameters, PyTorch's defaults from {@link SGD#options()}.
     *
     * @param lr learning rate (PyTorch 2's default 1e-3)
     * @param momentum momentum factor (0)
     * @param dampening dampening for momentum (0)
     * @param weightDecay L2 penalty (0)
     * @param nesterov Nesterov momentum; needs momentum &gt; 0 and dampening 0 (false)
     * @param maximize maximize the objective instead (false)
     */
    public record Options(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
            boolean maximize) implements OptimizerOptions<Options> {
        @Override
        public Options lr(double lr) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /** A copy with this momentum factor. */
        public Options momentum(double momentum) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /** A copy with this dampening. */
        public Options dampening(double dampening) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /** A copy with this weight decay. */
        public Options weightDecay(double weightDecay) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /** A copy with Nesterov momentum on or off. */
        public Options nesterov(boolean nesterov) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        /** A copy that maximizes or minimizes. */
        public Options maximize(boolean maximize) {
            return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize);
        }

        @Override
        public void validate() {
            Checks.nonNegative("SGD", "learning rate", lr);
            Checks.nonNegative("SGD", "momentum value", momentum);
            Checks.nonNegative("SGD", "weight_decay value", weightDecay);
            Checks.finite("SGD", "dampening", dampening);
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening"
                        + " (momentum " + momentum + ", dampening " + dampening + ")");
            }
        }
    }

    /** PyTorch's defaults: lr 1e-3, no momentum, no dampening, no weight decay. */
    public static Options options() {
        return new Options(1e-3, 0, 0, 0, false, false);
    }

    /** SGD over {@code params} with {@code options}, e.g. {@code SGD.options().lr(0.1).momentum(0.9)}. */
    public SGD(List<Tensor> params, Options options) {
        super("SGD", params, options);
    }

    /** SGD over {@code params} with learning rate {@code lr} and the other defaults. */
    public SGD(List<Tensor> params, double lr) {
        this(params, options().lr(lr));
    }

    // One native pass per parameter (sgd_step_ in native/src/ops/optim_sgd.cpp) with PyTorch's arithmetic
    // in its order: through tensor ops the step made 2-5 passes and a temporary per parameter.
    @Override
    protected void update(ParamGroup<Options> group, Tensor param, Tensor grad, ParamState state) {
        Options o = group.options();
        boolean first = false;
        Tensor[] tensors;
        if (o.momentum() != 0) {
            // PyTorch starts the buffer from the first gradient: the kernel writes it whole on that step.
            first = state.get("momentum_buffer") == null;
            tensors = new Tensor[] {param, grad, state.zerosLike("momentum_buffer", param)};
        } else {
            tensors = new Tensor[] {param, grad};
        }
        NativeOps.call("sgd_step_", tensors, new double[] {o.lr(), o.momentum(), o.dampening(), o.weightDecay()},
                new long[] {o.nesterov() ? 1 : 0, o.maximize() ? 1 : 0, first ? 1 : 0});
    }
}
