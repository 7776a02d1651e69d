package dev.nabla.nn;

import dev.nabla.Tensor;

/** Average pooling over square windows, like {@code torch.nn.AvgPool2d} (stride defaults to the kernel size). */
public final class AvgPool2d extends Module {
    private final int kernelSize;
    private final int stride;
    private final int padding;

    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.avgPool2d(input, kernelSize, stride, padding);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding;
    }
}
