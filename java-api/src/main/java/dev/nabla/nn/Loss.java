package dev.nabla.nn;

import dev.nabla.Tensor;

/** A loss function of an input (the model's output) and a target, like PyTorch's {@code _Loss}. */
public abstract class Loss {
    protected final Reduction reduction;

    protected Loss(Reduction reduction) {
        this.reduction = reduction;
    }

    /** The loss; a scalar unless the reduction is {@link Reduction#NONE}. */
    public abstract Tensor forward(Tensor input, Tensor target);

    /** Input and target must have one shape (PyTorch only warns; a silent broadcast is a common bug). */
    static void checkSameShape(String loss, Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new dev.nabla.ShapeMismatchException(loss + ": input shape " + input.shape()
                    + " and target shape " + target.shape() + " differ; reshape one of them");
        }
    }
}
