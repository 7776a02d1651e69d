package dev.nabla;

/**
 * The elementwise family against central differences (see {@link GradCheck}). Random inputs come from fixed
 * seeds, so none lands within eps of a kink (relu and abs at 0, clamp bounds, maximum ties).
 */
class MathGradCheckTest extends GradCheckCases {

    @Override
    protected void define() {
        long[][] shapes = {s(2, 3), s(), s(1), s(3, 1, 2)};
        for (long[] shape : shapes) {
            String sh = " " + Shape.of(shape);
            add("exp", "exp" + sh, x -> x[0].exp(), normal(shape));
            add("log", "log" + sh, x -> x[0].log(), pos(shape));
            add("log1p", "log1p" + sh, x -> x[0].log1p(), pos(shape));
            add("sqrt", "sqrt" + sh, x -> x[0].sqrt(), pos(shape));
            add("rsqrt", "rsqrt" + sh, x -> x[0].rsqrt(), pos(shape));
            add("abs", "abs" + sh, x -> x[0].abs(), normal(shape));
            add("sign", "sign" + sh, x -> x[0].sign(), normal(shape));
            add("sin", "sin" + sh, x -> x[0].sin(), normal(shape));
            add("cos", "cos" + sh, x -> x[0].cos(), normal(shape));
            add("tanh", "tanh" + sh, x -> x[0].tanh(), normal(shape));
            add("sigmoid", "sigmoid" + sh, x -> x[0].sigmoid(), normal(shape));
            add("erf", "erf" + sh, x -> x[0].erf(), normal(shape));
            add("relu", "relu" + sh, x -> x[0].relu(), normal(shape));
            add("leaky_relu", "leakyRelu" + sh, x -> x[0].leakyRelu(), normal(shape));
            add("elu", "elu" + sh, x -> x[0].elu(), normal(shape));
            add("gelu", "gelu" + sh, x -> x[0].gelu(), normal(shape));
            add("gelu", "gelu tanh" + sh, x -> x[0].gelu("tanh"), normal(shape));
            add("silu", "silu" + sh, x -> x[0].silu(), normal(shape));
            add("softplus", "softplus" + sh, x -> x[0].softplus(), normal(shape));
            add("clamp", "clamp" + sh, x -> x[0].clamp(-0.5, 0.7), normal(shape));
            add("reciprocal", "reciprocal" + sh, x -> x[0].reciprocal(), pos(shape));
            add("square", "square" + sh, x -> x[0].square(), normal(shape));
        }
        add("leaky_relu", "leakyRelu 0.3", x -> x[0].leakyRelu(0.3), normal(s(4, 3)));
        add("elu", "elu alpha 1.7", x -> x[0].elu(1.7), normal(s(4, 3)));
        // beta x crosses the threshold for some inputs: the linear part's gradient is 1.
        add("softplus", "softplus beta 2 threshold 1", x -> x[0].softplus(2, 1), normal(s(4, 5)));
        add("clamp", "clampMin", x -> x[0].clampMin(-0.3), normal(s(4, 3)));
        add("clamp", "clampMax", x -> x[0].clampMax(0.4), normal(s(4, 3)));
        add("abs", "abs of negative inputs", x -> x[0].neg().abs(), pos(3, 2));

        for (long[][] p : BROADCAST_PAIRS) {
            String shapesName = Shape.of(p[0]) + ", " + Shape.of(p[1]);
            // Base positive, exponent normal: d/db = a^b ln a is defined everywhere.
            add("pow", "pow " + shapesName, x -> x[0].pow(x[1]), positiveThenNormal(p[0], p[1]));
            add("maximum", "maximum " + shapesName, x -> x[0].maximum(x[1]), normal(p[0], p[1]));
            add("minimum", "minimum " + shapesName, x -> x[0].minimum(x[1]), normal(p[0], p[1]));
            add("where", "where " + shapesName,
                    x -> Tensor.where(x[0].gt(x[1]), x[0].mul(2), x[1].exp()), normal(p[0], p[1]));
        }
        // The mask broadcasts too, and only one branch may depend on the input.
        add("where", "where with a broadcast mask and a constant branch", x -> {
            Tensor mask = Tensor.of(new boolean[] {true, false, true}, 3, 1);
            return Tensor.where(mask, x[0], Tensor.zeros(DType.FLOAT64));
        }, normal(s(1, 4)));

        // Composites used by nn: gelu(x) * sigmoid(x) + softplus(tanh(x)) keeps the chain rule honest.
        add(null, "chain of activations", x -> x[0].gelu().mul(x[0].sigmoid()).add(x[0].tanh().softplus()), normal(s(3, 4)));
    }

    /** A base in [0.5, 1.5), then a standard normal exponent. */
    private static java.util.function.Supplier<Tensor[]> positiveThenNormal(long[] base, long[] exponent) {
        return () -> new Tensor[] {positive(400, base), randn(401, exponent)};
    }
}
