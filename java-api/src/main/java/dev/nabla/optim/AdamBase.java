package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/** The update shared by {@link Adam} (L2 weight decay) and {@link AdamW} (decoupled weight decay). */
abstract sealed class AdamBase extends Optimizer<Adam.Options> permits Adam, AdamW {
    private final boolean decoupled;

    AdamBase(String name, List<Tensor> params, Adam.Options options, boolean decoupled) {
        super(name, params, options);
        this.decoupled = decoupled;
    }

    // Note [Adam's denominator]: PyTorch computes θ -= (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps). Multiplying
    // numerator and denominator by sqrt(bc2) gives θ -= (lr·sqrt(bc2)/bc1)·m / (sqrt(v) + eps·sqrt(bc2)), the
    // same number up to rounding (the form of PyTorch's capturable path and of the Adam paper's "ε-hat"),
    // with one pass over the parameter fewer and one temporary fewer.
    @Override
    protected void update(ParamGroup<Adam.Options> group, Tensor param, Tensor grad, ParamState state) {
        Adam.Options o = group.options();
        Tensor g = grad;
        Tensor gTemp = null; // a gradient of our own, closed at the end
        if (o.weightDecay() != 0 && decoupled) {
            param.mulInPlace(1 - o.lr() * o.weightDecay());
        } else if (o.weightDecay() != 0) {
            // g = ±grad + weightDecay·θ (L2), one temporary
            gTemp = param.mul(o.weightDecay());
            g = o.maximize() ? gTemp.subInPlace(grad) : gTemp.addInPlace(grad);
        }
        if (o.maximize() && gTemp == null) {
            g = gTemp = grad.neg();
        }
        Tensor expAvg = state.zerosLike("exp_avg", param);
        Tensor expAvgSq = state.zerosLike("exp_avg_sq", param);
        expAvg.mulInPlace(o.beta1()).addInPlace(g, 1 - o.beta1());
        Tensor sq = g.mul(g);
        expAvgSq.mulInPlace(o.beta2()).addInPlace(sq, 1 - o.beta2());
        sq.close();
        if (gTemp != null) {
            gTemp.close();
        }
        double t = state.step();
        double biasCorrection1 = 1 - Math.pow(o.beta1(), t);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(o.beta2(), t));
        Tensor second = expAvgSq;
        if (o.amsgrad()) {
            Tensor max = state.zerosLike("max_exp_avg_sq", param);
            try (Tensor m = max.maximum(expAvgSq)) {
                max.copyInPlace(m); // like torch.maximum(max, v, out=max): bumps max's version
            }
            second = max;
        }
        // See Note [Adam's denominator].
        Tensor denom = second.sqrt().addInPlace(o.eps() * biasCorrection2Sqrt);
        Tensor ratio = expAvg.div(denom);
        param.addInPlace(ratio, -o.lr() * biasCorrection2Sqrt / biasCorrection1);
        ratio.close();
        denom.close();
    }
}
