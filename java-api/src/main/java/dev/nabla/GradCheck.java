package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Function;

/**
 * Numerical gradient checks, like {@code torch.autograd.gradcheck} and {@code gradgradcheck}: the
 * gradients backward computes against float64 central differences.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Generator(0), DType.FLOAT64, 3, 4).requiresGrad(true);
 * Tensor w = Tensor.randn(new Generator(1), DType.FLOAT64, 4, 2).requiresGrad(true);
 * GradCheck.check(in -> in[0].matmul(in[1]).pow(2), x, w);            // defaults
 * GradCheck.options().atol(1e-4).rtol(1e-2).check(in -> in[0].pow(3), x);
 * GradCheck.checkSecondOrder(in -> in[0].pow(3), x);                  // Hessian-vector products
 * }</pre>
 *
 * <p>The inputs that require grad are checked; the others are passed to {@code f} unchanged, as
 * constants. Checked inputs must be float64 (float32 has too few digits for central differences).
 * {@code f} must be deterministic; it runs on copies of the checked inputs, so their {@code .grad}
 * and values are left alone. A non-scalar output is reduced with a fixed random weight,
 * {@code L = sum(f(x) * w)}, so every output element counts and one backward suffices: the check
 * compares {@code dL/dx} (a vector-Jacobian product with a random vector) with
 * {@code (L(x + eps e_k) - L(x - eps e_k)) / (2 eps)} for every element {@code k} of every checked
 * input. An element passes when {@code |analytic - numerical| <= atol + rtol * |numerical|}, as
 * {@code torch.allclose} has it.
 *
 * <p>Failures throw {@link GradCheckException} (an {@link AssertionError}) naming the input, the worst
 * element, both values and the tolerance.
 */
public final class GradCheck {
    /** The default step of the central differences. */
    public static final double DEFAULT_EPS = 1e-6;
    /** The default absolute tolerance. */
    public static final double DEFAULT_ATOL = 1e-5;
    /** The default relative tolerance (PyTorch's). */
    public static final double DEFAULT_RTOL = 1e-3;

    private static final long WEIGHT_SEED = 1234;
    private static final long DIRECTION_SEED = 5678;

    private GradCheck() {}

    /**
     * Checks the first derivatives of {@code f} at {@code inputs} with the default eps, atol and rtol
     * (like {@code torch.autograd.gradcheck(f, inputs)}).
     *
     * @throws GradCheckException when a gradient is out of tolerance
     * @throws IllegalArgumentException when no input requires grad, or a checked input is not float64
     */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        options().check(f, inputs);
    }

    /**
     * Checks the second derivatives of {@code f} at {@code inputs} with the default eps, atol and rtol
     * (like {@code torch.autograd.gradgradcheck(f, inputs)}, for the inputs only): the gradient of
     * {@code <dL/dx, v>} for a fixed random {@code v}, computed by a backward through a first backward
     * recorded with {@code createGraph}, against central differences of the first-order gradient.
     *
     * @throws GradCheckException when a second derivative is out of tolerance
     * @throws IllegalArgumentException when no input requires grad, or a checked input is not float64
     */
    public static void checkSecondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
        options().checkSecondOrder(f, inputs);
    }

    /** Options with the defaults, to change before {@link Options#check} or {@link Options#checkSecondOrder}. */
    public static Options options() {
        return new Options();
    }

    /** The step and tolerances of a check, and a name for its messages. A fluent, mutable builder. */
    public static final class Options {
        private double eps = DEFAULT_EPS;
        private double atol = DEFAULT_ATOL;
        private double rtol = DEFAULT_RTOL;
        private String name = "gradcheck";

        Options() {}

        /** The step of the central differences (default 1e-6). */
        public Options eps(double eps) {
            if (!(eps > 0)) {
                throw new IllegalArgumentException("GradCheck: eps must be positive, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        /** The absolute tolerance (default 1e-5). */
        public Options atol(double atol) {
            if (!(atol >= 0)) {
                throw new IllegalArgumentException("GradCheck: atol must be >= 0, got " + atol);
            }
            this.atol = atol;
            return this;
        }

        /** The relative tolerance, scaling |numerical| (default 1e-3). */
        public Options rtol(double rtol) {
            if (!(rtol >= 0)) {
                throw new IllegalArgumentException("GradCheck: rtol must be >= 0, got " + rtol);
            }
            this.rtol = rtol;
            return this;
        }

        /** A name that starts each failure message, e.g. the op checked. */
        public Options name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Like {@link GradCheck#check}, with these options. */
        public void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
            run(f, inputs, 1);
        }

        /** Like {@link GradCheck#checkSecondOrder}, with these options. */
        public void checkSecondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
            run(f, inputs, 2);
        }

        private void run(Function<Tensor[], Tensor> f, Tensor[] inputs, int order) {
            Objects.requireNonNull(f, "f");
            try (var grad = GradMode.enableGrad(); TensorScope scope = TensorScope.open()) {
                Probe p = new Probe(this, f, inputs);
                if (order == 1) {
                    p.checkFirstOrder();
                } else {
                    p.checkSecondOrder();
                }
            }
        }
    }

    /** One check: the copies of the inputs, the output weight, and the two kinds of evaluation. */
    private static final class Probe {
        private final Options o;
        private final Function<Tensor[], Tensor> f;
        /** What f gets: fresh float64 leaves in place of the checked inputs, the others as given. */
        private final Tensor[] args;
        private final boolean[] checked;
        private Tensor weight;

        Probe(Options o, Function<Tensor[], Tensor> f, Tensor[] inputs) {
            this.o = o;
            this.f = f;
            args = new Tensor[inputs.length];
            checked = new boolean[inputs.length];
            boolean any = false;
            for (int i = 0; i < inputs.length; i++) {
                Tensor in = Objects.requireNonNull(inputs[i], "input " + i);
                if (in.requiresGrad()) {
                    if (in.dtype() != DType.FLOAT64) {
                        throw new IllegalArgumentException(o.name + ": input " + i + " of shape " + in.shape()
                                + " is " + in.dtype().torchName() + "; gradient checks need float64 inputs: "
                                + "pass x.to(DType.FLOAT64)");
                    }
                    try (var noGrad = GradMode.noGrad()) {
                        args[i] = in.detach().contiguous().clone().requiresGrad(true);
                    }
                    checked[i] = true;
                    any = true;
                } else {
                    args[i] = in;
                }
            }
            if (!any) {
                throw new IllegalArgumentException(o.name + ": no input requires grad; call requiresGrad(true) "
                        + "on the inputs to check (like gradcheck's 'at least one input tensor to require gradient')");
            }
            makeWeight();
        }

        /** Makes the output weight, in the check's scope, from one evaluation of f. */
        private void makeWeight() {
            Tensor out;
            try (var noGrad = GradMode.noGrad()) {
                out = f.apply(args);
            }
            if (out == null) {
                throw new IllegalArgumentException(o.name + ": f returned null");
            }
            if (!out.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(o.name + ": f returned a " + out.dtype().torchName()
                        + " tensor; a gradient check needs a floating-point output");
            }
            try (Generator g = new Generator(WEIGHT_SEED); var noGrad = GradMode.noGrad()) {
                weight = Tensor.randn(g, out.dtype(), out.shape().dims());
            }
        }

        /** {@code f(args)} reduced to {@code sum(f(args) * w)}, recording a graph when grad mode is on. */
        private Tensor loss() {
            Tensor out = f.apply(args);
            if (out == null) {
                throw new IllegalArgumentException(o.name + ": f returned null");
            }
            if (!out.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(o.name + ": f returned a " + out.dtype().torchName()
                        + " tensor; a gradient check needs a floating-point output");
            }
            if (weight == null) {
                throw new IllegalStateException("GradCheck: the output weight is made by the constructor");
            }
            return out.mul(weight).sum();
        }

        private double lossValue() {
            try (var noGrad = GradMode.noGrad(); TensorScope s = TensorScope.open()) {
                return loss().item();
            }
        }

        /** dL/d(args[i]) for every checked input, by one backward (zeros where no gradient flows). */
        private double[][] firstOrderGradients() {
            try (TensorScope s = TensorScope.open()) {
                clearGrads();
                Tensor l = loss();
                if (l.requiresGrad()) {
                    l.backward();
                }
                double[][] g = new double[args.length][];
                for (int i = 0; i < args.length; i++) {
                    if (checked[i]) {
                        Tensor gi = args[i].grad();
                        g[i] = gi == null ? new double[(int) args[i].numel()] : gi.toDoubleArray();
                    }
                }
                clearGrads();
                return g;
            }
        }

        private void clearGrads() {
            for (int i = 0; i < args.length; i++) {
                if (checked[i]) {
                    args[i].zeroGrad();
                }
            }
        }

        void checkFirstOrder() {
            double[][] analytic = firstOrderGradients();
            compare(1, analytic, this::lossValue);
        }

        void checkSecondOrder() {
            // v: one fixed random direction per checked input; S(x) = sum_i <dL/dx_i (x), v_i>.
            Tensor[] v = new Tensor[args.length];
            double[][] vs = new double[args.length][];
            try (Generator g = new Generator(DIRECTION_SEED); var noGrad = GradMode.noGrad()) {
                for (int i = 0; i < args.length; i++) {
                    if (checked[i]) {
                        v[i] = Tensor.randn(g, DType.FLOAT64, args[i].shape().dims());
                        vs[i] = v[i].toDoubleArray();
                    }
                }
            }
            // Analytic: dS/dx by a backward through the graph the first backward recorded.
            double[][] analytic = new double[args.length][];
            try (TensorScope s = TensorScope.open()) {
                clearGrads();
                Tensor l = loss();
                Tensor sum = null;
                if (l.requiresGrad()) {
                    l.backward(null, true, true); // as create_graph implies retain_graph in PyTorch
                    for (int i = 0; i < args.length; i++) {
                        Tensor gi = checked[i] ? args[i].grad() : null;
                        if (gi != null) {
                            Tensor term = gi.mul(v[i]).sum();
                            sum = sum == null ? term : sum.add(term);
                        }
                    }
                }
                clearGrads();
                if (sum != null && sum.requiresGrad()) {
                    sum.backward();
                }
                for (int i = 0; i < args.length; i++) {
                    if (checked[i]) {
                        Tensor gi = args[i].grad();
                        analytic[i] = gi == null ? new double[(int) args[i].numel()] : gi.toDoubleArray();
                    }
                }
                clearGrads();
            }
            // Numerical: central differences of S, each S from a first-order backward.
            compare(2, analytic, () -> {
                double[][] g = firstOrderGradients();
                double s = 0;
                for (int i = 0; i < args.length; i++) {
                    if (checked[i]) {
                        for (int k = 0; k < g[i].length; k++) {
                            s += g[i][k] * vs[i][k];
                        }
                    }
                }
                return s;
            });
        }

        /** Central differences of {@code value} over every element of every checked input, against {@code analytic}. */
        private void compare(int order, double[][] analytic, java.util.function.DoubleSupplier value) {
            for (int i = 0; i < args.length; i++) {
                if (!checked[i]) {
                    continue;
                }
                MemorySegment x = args[i].data();
                double[] a = analytic[i];
                int worst = -1;
                double worstRatio = 0;
                double worstNumerical = 0;
                double worstTol = 0;
                long mismatches = 0;
                for (int k = 0; k < a.length; k++) {
                    double orig = x.getAtIndex(JAVA_DOUBLE, k);
                    x.setAtIndex(JAVA_DOUBLE, k, orig + o.eps);
                    double plus = value.getAsDouble();
                    x.setAtIndex(JAVA_DOUBLE, k, orig - o.eps);
                    double minus = value.getAsDouble();
                    x.setAtIndex(JAVA_DOUBLE, k, orig);
                    double numerical = (plus - minus) / (2 * o.eps);
                    double tol = o.atol + o.rtol * Math.abs(numerical);
                    double diff = Math.abs(a[k] - numerical);
                    if (!(diff <= tol)) { // NaN counts as a mismatch
                        mismatches++;
                        double ratio = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / tol;
                        if (worst < 0 || ratio > worstRatio) {
                            worst = k;
                            worstRatio = ratio;
                            worstNumerical = numerical;
                            worstTol = tol;
                        }
                    }
                }
                if (worst >= 0) {
                    throw failure(order, i, worst, a[worst], worstNumerical, worstTol, mismatches, a.length);
                }
            }
        }

        private GradCheckException failure(int order, int input, int flat, double analytic, double numerical,
                double tol, long mismatches, int numel) {
            Shape shape = args[input].shape();
            long[] index = unravel(flat, shape.dims());
            StringBuilder idx = new StringBuilder("[");
            for (int d = 0; d < index.length; d++) {
                idx.append(d == 0 ? "" : ", ").append(index[d]);
            }
            idx.append(']');
            String what = order == 1 ? "gradient" : "second-order gradient (of <grad, v>)";
            String msg = o.name + ": " + what + " of input " + input + " (shape " + shape + ") is wrong at element "
                    + idx + ": backward gives " + analytic + ", central differences give " + numerical
                    + "; |difference| " + Math.abs(analytic - numerical) + " > tolerance " + tol + " (atol " + o.atol
                    + " + rtol " + o.rtol + " * |numerical|, eps " + o.eps + "); " + mismatches + " of " + numel
                    + " elements out of tolerance";
            return new GradCheckException(msg, order, input, index, analytic, numerical, tol, mismatches);
        }

        private static long[] unravel(long flat, long[] dims) {
            long[] index = new long[dims.length];
            for (int d = dims.length - 1; d >= 0; d--) {
                index[d] = dims[d] == 0 ? 0 : flat % dims[d];
                flat = dims[d] == 0 ? 0 : flat / dims[d];
            }
            return index;
        }
    }
}
