package dev.nabla.nn;

import dev.nabla.Tensor;

/** Elementwise max(0, x), like {@code torch.nn.ReLU}. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input.relu();
    }
}
