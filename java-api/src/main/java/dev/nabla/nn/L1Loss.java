package dev.nabla.nn;

import dev.nabla.Tensor;

/** Mean absolute error {@code |input - target|}, like {@code torch.nn.L1Loss}. */
public final class L1Loss extends Loss {
    public L1Loss() {
        this(Reduction.MEAN);
    }

    public L1Loss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        checkSameShape("L1Loss", input, target);
        return reduction.apply(input.sub(target).abs());
    }
}
