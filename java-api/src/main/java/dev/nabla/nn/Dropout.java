package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Zeroes elements with probability {@code p} and scales the rest by {@code 1/(1-p)} in training mode; the
 * identity in eval mode. Like {@code torch.nn.Dropout}; draws from the default generator.
 */
public final class Dropout extends Module {
    private final double p;

    public Dropout() {
        this(0.5);
    }

    public Dropout(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.dropout(input, p, isTraining());
    }

    @Override
    protected String extraRepr() {
        return "p=" + p + ", inplace=False";
    }
}
