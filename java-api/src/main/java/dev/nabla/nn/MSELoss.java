package dev.nabla.nn;

import dev.nabla.Tensor;

/** Mean squared error {@code (input - target)^2}, like {@code torch.nn.MSELoss}. */
public final class MSELoss extends Loss {
    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        checkSameShape("MSELoss", input, target);
        return reduction.apply(input.sub(target).pow(2));
    }
}
