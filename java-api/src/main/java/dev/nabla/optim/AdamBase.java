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

    @Override
    protected void initState(ParamGroup<Adam.Options> group, Tensor param, ParamState state) {
        state.zerosLike("exp_avg", param);
        state.zerosLike("exp_avg_sq", param);
        if (group.options().amsgrad()) {
            state.zerosLike("max_exp_avg_sq", param);
        }
    }

    @Override
    protected void update(ParamGroup<Adam.Options> group, Tensor param, Tensor grad, ParamState state) {
        Adam.Options o = group.options();
        Tensor g = o.maximize() ? grad.neg() : grad;
        if (o.weightDecay() != 0) {
            if (decoupled) {
                param.mulInPlace(1 - o.lr() * o.weightDecay());
            } else {
                g = g.add(param.mul(o.weightDecay()));
            }
        }
        Tensor expAvg = state.get("exp_avg");
        Tensor expAvgSq = state.get("exp_avg_sq");
        expAvg.mulInPlace(o.beta1()).addInPlace(g, 1 - o.beta1());
        expAvgSq.mulInPlace(o.beta2()).addInPlace(g.mul(g), 1 - o.beta2());
        double t = state.step();
        double biasCorrection1 = 1 - Math.pow(o.beta1(), t);
        double biasCorrection2 = 1 - Math.pow(o.beta2(), t);
        double stepSize = o.lr() / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        Tensor second = expAvgSq;
        if (o.amsgrad()) {
            Tensor max = state.get("max_exp_avg_sq");
            Elementwise.maximumInPlace(max, expAvgSq);
            second = max;
        }
        Tensor denom = second.pow(0.5).div(biasCorrection2Sqrt).addInPlace(o.eps());
        param.addInPlace(expAvg.div(denom), -stepSize);
    }
}
