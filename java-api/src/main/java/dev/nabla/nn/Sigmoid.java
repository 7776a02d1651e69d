package dev.nabla.nn;

import dev.nabla.Tensor;

/** Elementwise 1 / (1 + exp(-x)), like {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input.sigmoid();
    }
}
