package dev.nabla.nn;

import dev.nabla.Tensor;

/** Elementwise tanh(x), like {@code torch.nn.Tanh}. */
public final class Tanh extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input.tanh();
    }
}
