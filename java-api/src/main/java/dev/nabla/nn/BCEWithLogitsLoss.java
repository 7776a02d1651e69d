package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Binary cross-entropy on logits, like {@code torch.nn.BCEWithLogitsLoss}:
 * {@code -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]}, computed stably as
 * {@code max(x, 0) - x y + log(1 + exp(-|x|))}, which never takes the log of 0 or the exp of a large number.
 */
public final class BCEWithLogitsLoss extends Loss {
    public BCEWithLogitsLoss() {
        this(Reduction.MEAN);
    }

    public BCEWithLogitsLoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        checkSameShape("BCEWithLogitsLoss", input, target);
        Tensor losses = input.relu().sub(input.mul(target)).add(input.abs().neg().exp().log1p());
        return reduction.apply(losses);
    }
}
