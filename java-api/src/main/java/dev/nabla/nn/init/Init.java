package dev.nabla.nn.init;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;

/**
 * Initialization functions, like {@code torch.nn.init}. Each fills {@code tensor} in place with grad mode
 * off (so it works on parameters that require grad), bumps its version, and returns it. The random ones
 * draw from the given {@link Generator}, or from the global one (reseeded by
 * {@code Nabla.manualSeed}) when none is given; samples are drawn in float32 from the global generator
 * and in the tensor's dtype from an explicit one.
 *
 * <pre>{@code
 * Tensor w = Tensor.zeros(out, in).requiresGrad(true);
 * Init.kaimingUniform(w, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, null);  // nn.Linear's default
 * }</pre>
 */
public final class Init {
    private Init() {}

    /** Which fan the Kaiming functions keep the variance of (PyTorch's {@code mode}). */
    public enum FanMode {
        /** Preserves the variance of the activations in the forward pass ({@code "fan_in"}). */
        FAN_IN,
        /** Preserves the variance of the gradients in the backward pass ({@code "fan_out"}). */
        FAN_OUT
    }

    /** The nonlinearities {@link #calculateGain} knows, PyTorch's strings in Java form. */
    public enum Nonlinearity {
        LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID, TANH, RELU,
        LEAKY_RELU, SELU
    }

    /** The fan-in and fan-out of a weight tensor. */
    public record Fans(long fanIn, long fanOut) {}

    /**
     * The recommended gain for a nonlinearity, like {@code calculate_gain}: 1 for linear, the
     * convolutions and sigmoid; 5/3 for tanh; √2 for relu; √(2 / (1 + slope²)) for leaky_relu (slope
     * 0.01 by default); 3/4 for selu.
     */
    public static double calculateGain(Nonlinearity nonlinearity) {
        return calculateGain(nonlinearity, Double.NaN);
    }

    /**
     * {@link #calculateGain(Nonlinearity)} with a parameter: leaky_relu's negative slope ({@code NaN} for
     * the default 0.01); ignored by the others.
     */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        return switch (nonlinearity) {
            case LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> {
                double slope = Double.isNaN(param) ? 0.01 : param;
                yield Math.sqrt(2.0 / (1 + slope * slope));
            }
            case SELU -> 3.0 / 4;
        };
    }

    /**
     * The fan-in and fan-out, like {@code _calculate_fan_in_and_fan_out}: for a weight of shape
     * {@code [out, in, k1, k2, ...]}, fanIn = in·k1·k2·… and fanOut = out·k1·k2·….
     *
     * @throws IllegalArgumentException for a tensor with fewer than 2 dimensions
     */
    public static Fans calculateFanInAndFanOut(Tensor tensor) {
        long[] dims = tensor.shape().dims();
        if (dims.length < 2) {
            throw new IllegalArgumentException("Init: fan in and fan out can not be computed for tensor with fewer than"
                    + " 2 dimensions (shape " + tensor.shape() + ")");
        }
        long receptive = 1;
        for (int i = 2; i < dims.length; i++) {
            receptive *= dims[i];
        }
        return new Fans(dims[1] * receptive, dims[0] * receptive);
    }

    /** Fills with samples from U(a, b), like {@code uniform_(tensor, a, b)}; null generator: the global one. */
    public static Tensor uniform(Tensor tensor, double a, double b, Generator generator) {
        try (GradMode.Guard ignored = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            Tensor u = generator == null
                    ? Tensor.rand(tensor.shape().dims())
                    : Tensor.rand(generator, floatDtype(tensor), tensor.shape().dims());
            // a + (b - a)·u maps [0, 1) onto [a, b).
            tensor.copyInPlace(u.mul(b - a).add(a));
        }
        return tensor;
    }

    /** Fills with samples from U(a, b) drawn from the global generator. */
    public static Tensor uniform(Tensor tensor, double a, double b) {
        return uniform(tensor, a, b, null);
    }

    /** Fills with samples from N(mean, std²), like {@code normal_(tensor, mean, std)}; null generator: the global one. */
    public static Tensor normal(Tensor tensor, double mean, double std, Generator generator) {
        try (GradMode.Guard ignored = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            Tensor z = generator == null
                    ? Tensor.randn(tensor.shape().dims())
                    : Tensor.randn(generator, floatDtype(tensor), tensor.shape().dims());
            tensor.copyInPlace(z.mul(std).add(mean));
        }
        return tensor;
    }

    /** Fills with samples from N(mean, std²) drawn from the global generator. */
    public static Tensor normal(Tensor tensor, double mean, double std) {
        return normal(tensor, mean, std, null);
    }

    /** Fills with {@code value}, like {@code constant_}. */
    public static Tensor constant(Tensor tensor, double value) {
        try (GradMode.Guard ignored = GradMode.noGrad()) {
            tensor.fillInPlace(value);
        }
        return tensor;
    }

    /** Fills with zeros, like {@code zeros_}. */
    public static Tensor zeros(Tensor tensor) {
        return constant(tensor, 0.0);
    }

    /** Fills with ones, like {@code ones_}. */
    public static Tensor ones(Tensor tensor) {
        return constant(tensor, 1.0);
    }

    /**
     * Xavier/Glorot uniform, like {@code xavier_uniform_(tensor, gain)}: U(-a, a) with
     * a = gain·√(6 / (fanIn + fanOut)); null generator: the global one.
     *
     * @throws IllegalArgumentException for a tensor with fewer than 2 dimensions
     */
    public static Tensor xavierUniform(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        double std = gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
        double a = Math.sqrt(3.0) * std;
        return uniform(tensor, -a, a, generator);
    }

    /** Xavier uniform with gain 1 from the global generator. */
    public static Tensor xavierUniform(Tensor tensor) {
        return xavierUniform(tensor, 1.0, null);
    }

    /**
     * Xavier/Glorot normal, like {@code xavier_normal_(tensor, gain)}: N(0, std²) with
     * std = gain·√(2 / (fanIn + fanOut)); null generator: the global one.
     *
     * @throws IllegalArgumentException for a tensor with fewer than 2 dimensions
     */
    public static Tensor xavierNormal(Tensor tensor, double gain, Generator generator) {
        Fans f = calculateFanInAndFanOut(tensor);
        double std = gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
        return normal(tensor, 0.0, std, generator);
    }

    /** Xavier normal with gain 1 from the global generator. */
    public static Tensor xavierNormal(Tensor tensor) {
        return xavierNormal(tensor, 1.0, null);
    }

    /**
     * Kaiming/He uniform, like {@code kaiming_uniform_(tensor, a, mode, nonlinearity)}: U(-bound, bound)
     * with bound = √3·gain/√fan, gain = {@code calculateGain(nonlinearity, a)} and fan chosen by
     * {@code mode}. A tensor with a zero-size dimension is left as is. Null generator: the global one.
     *
     * @param a the negative slope of leaky_relu (ignored by the other nonlinearities)
     * @throws IllegalArgumentException for a tensor with fewer than 2 dimensions
     */
    public static Tensor kaimingUniform(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity,
            Generator generator) {
        if (tensor.numel() == 0) {
            return tensor;
        }
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform(tensor, -bound, bound, generator);
    }

    /** Kaiming uniform with PyTorch's defaults: a = 0, fan_in, leaky_relu, the global generator. */
    public static Tensor kaimingUniform(Tensor tensor) {
        return kaimingUniform(tensor, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, null);
    }

    /**
     * Kaiming/He normal, like {@code kaiming_normal_(tensor, a, mode, nonlinearity)}: N(0, std²) with
     * std = gain/√fan. A tensor with a zero-size dimension is left as is. Null generator: the global one.
     *
     * @throws IllegalArgumentException for a tensor with fewer than 2 dimensions
     */
    public static Tensor kaimingNormal(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity,
            Generator generator) {
        if (tensor.numel() == 0) {
            return tensor;
        }
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode));
        return normal(tensor, 0.0, std, generator);
    }

    /** Kaiming normal with PyTorch's defaults: a = 0, fan_in, leaky_relu, the global generator. */
    public static Tensor kaimingNormal(Tensor tensor) {
        return kaimingNormal(tensor, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, null);
    }

    private static long fan(Tensor tensor, FanMode mode) {
        Fans f = calculateFanInAndFanOut(tensor);
        return mode == FanMode.FAN_IN ? f.fanIn() : f.fanOut();
    }

    private static DType floatDtype(Tensor tensor) {
        DType d = tensor.dtype();
        if (!d.isFloatingPoint()) {
            throw new IllegalArgumentException("Init: random initialization needs a floating-point tensor, got " + d);
        }
        return d;
    }
}
