package dev.nabla.optim;

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

    @Override
    protected void update(ParamGroup<Options> group, Tensor param, Tensor grad, ParamState state) {
        Options o = group.options();
        Tensor d = grad;
        Tensor dTemp = null; // a gradient of our own, closed at the end
        if (o.weightDecay() != 0) {
            // d = ±grad + weightDecay·θ, one temporary
            dTemp = param.mul(o.weightDecay());
            d = o.maximize() ? dTemp.subInPlace(grad) : dTemp.addInPlace(grad);
        } else if (o.maximize()) {
            d = dTemp = grad.neg();
        }
        if (o.momentum() != 0) {
            Tensor buf = state.get("momentum_buffer");
            if (buf == null) {
                buf = state.put("momentum_buffer", d.clone()); // PyTorch starts the buffer from the gradient
            } else {
                buf.mulInPlace(o.momentum()).addInPlace(d, 1 - o.dampening());
            }
            if (o.nesterov()) {
                // d = d + momentum·b
                if (dTemp != null) {
                    d.addInPlace(buf, o.momentum());
                } else {
                    d = dTemp = buf.mul(o.momentum()).addInPlace(grad);
                }
            } else {
                d = buf;
            }
        }
        param.addInPlace(d, -o.lr());
        if (dTemp != null) {
            dTemp.close();
        }
    }
}
