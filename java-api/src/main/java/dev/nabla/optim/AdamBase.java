package dev.nabla.optim;

import dev.nabla.NativeOps;
import dev.nabla.Tensor;
import java.util.List;

/** The update shared by {@link Adam} (L2 weight decay) and {@link AdamW} (decoupled weight decay). */
abstract sealed class AdamBase extends Optimizer<Adam.Options> permits Adam, AdamW {
    private final boolean decoupled;

    AdamBase(String name, List<Tensor> params, Adam.Options options, boolean decoupled) {
        super(name, params, options);
        this.decoupled = decoupled;
    }

    // One native pass per parameter (adam_step_ in native/src/ops/optim.cpp) with PyTorch's arithmetic in
    // its order: a composite of tensor ops made 6-9 passes and as many temporaries per parameter.
    @Override
    protected void update(ParamGroup<Adam.Options> group, Tensor param, Tensor grad, ParamState state) {
        Adam.Options o = group.options();
        Tensor expAvg = state.zerosLike("exp_avg", param);
        Tensor expAvgSq = state.zerosLike("exp_avg_sq", param);
        Tensor[] tensors = o.amsgrad()
                ? new Tensor[] {param, grad, expAvg, expAvgSq, state.zerosLike("max_exp_avg_sq", param)}
                : new Tensor[] {param, grad, expAvg, expAvgSq};
        NativeOps.call("adam_step_", tensors,
                new double[] {o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), state.step()},
                new long[] {o.amsgrad() ? 1 : 0, decoupled ? 1 : 0, o.maximize() ? 1 : 0});
    }
}
