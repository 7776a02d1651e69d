package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;

/**
 * 2-D convolution layer, like {@code torch.nn.Conv2d}: weight {@code [out, in/groups, k, k]}, bias
 * {@code [out]}, both initialized as PyTorch does: uniform in {@code [-1/sqrt(fanIn), 1/sqrt(fanIn)]} with
 * {@code fanIn = in/groups * k * k} (kaiming_uniform with a = sqrt(5)).
 */
public final class Conv2d extends Module {
    private final long inChannels;
    private final long outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;

    public Conv2d(long inChannels, long outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, DType.FLOAT32);
    }

    public Conv2d(long inChannels, long outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true, DType.FLOAT32);
    }

    public Conv2d(long inChannels, long outChannels, int kernelSize, int stride, int padding, int dilation,
            int groups, boolean bias, DType dtype) {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: in_channels (" + inChannels + ") and out_channels (" + outChannels
                    + ") must be divisible by groups (" + groups + ")");
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        double bound = 1.0 / Math.sqrt((double) (inChannels / groups) * kernelSize * kernelSize);
        registerParameter("weight", Linear.uniform(bound, dtype, outChannels, inChannels / groups, kernelSize, kernelSize));
        registerParameter("bias", bias ? Linear.uniform(bound, dtype, outChannels) : null);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.conv2d(input, parameter("weight"), parameter("bias"), stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=(" + kernelSize + ", " + kernelSize + "), stride=("
                + stride + ", " + stride + ")" + (padding != 0 ? ", padding=(" + padding + ", " + padding + ")" : "")
                + (groups != 1 ? ", groups=" + groups : "") + (parameter("bias") == null ? ", bias=False" : "");
    }
}
