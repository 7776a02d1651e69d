package dev.nabla;

/** Registry ids of the elementwise family's native ops (ops/unary.cpp, binary.cpp, compare.cpp). */
final class MathOps {
    static final int EXP = Ops.id("exp");
    static final int LOG = Ops.id("log");
    static final int LOG1P = Ops.id("log1p");
    static final int SQRT = Ops.id("sqrt");
    static final int RSQRT = Ops.id("rsqrt");
    static final int ABS = Ops.id("abs");
    static final int SIGN = Ops.id("sign");
    static final int SIN = Ops.id("sin");
    static final int COS = Ops.id("cos");
    static final int TANH = Ops.id("tanh");
    static final int SIGMOID = Ops.id("sigmoid");
    static final int ERF = Ops.id("erf");
    static final int RELU = Ops.id("relu");
    static final int LEAKY_RELU = Ops.id("leaky_relu");
    static final int ELU = Ops.id("elu");
    static final int GELU = Ops.id("gelu");
    static final int SILU = Ops.id("silu");
    static final int SOFTPLUS = Ops.id("softplus");
    static final int CLAMP = Ops.id("clamp");
    static final int RECIPROCAL = Ops.id("reciprocal");
    static final int SQUARE = Ops.id("square");
    static final int POW = Ops.id("pow");
    static final int MAXIMUM = Ops.id("maximum");
    static final int MINIMUM = Ops.id("minimum");
    static final int WHERE = Ops.id("where");
    static final int EQ = Ops.id("eq");
    static final int NE = Ops.id("ne");
    static final int LT = Ops.id("lt");
    static final int LE = Ops.id("le");
    static final int GT = Ops.id("gt");
    static final int GE = Ops.id("ge");
    static final int EQ_SCALAR = Ops.id("eq_scalar");
    static final int NE_SCALAR = Ops.id("ne_scalar");
    static final int LT_SCALAR = Ops.id("lt_scalar");
    static final int LE_SCALAR = Ops.id("le_scalar");
    static final int GT_SCALAR = Ops.id("gt_scalar");
    static final int GE_SCALAR = Ops.id("ge_scalar");
    static final int LOGICAL_AND = Ops.id("logical_and");
    static final int LOGICAL_OR = Ops.id("logical_or");
    static final int LOGICAL_XOR = Ops.id("logical_xor");
    static final int LOGICAL_NOT = Ops.id("logical_not");

    private static final double[] NO_NUMBERS = {};
    private static final long[] NO_INTS = {};

    private MathOps() {}

    static Tensor clamp(Tensor a, boolean hasMin, double min, boolean hasMax, double max) {
        return Ops.call(CLAMP, new Tensor[] {a}, new double[] {min, max}, new long[] {hasMin ? 1 : 0, hasMax ? 1 : 0})[0];
    }

    static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Ops.call(WHERE, new Tensor[] {condition, a, b}, NO_NUMBERS, NO_INTS)[0];
    }

    static Tensor gelu(Tensor a, String approximate) {
        long mode = switch (approximate) {
            case "none" -> 0;
            case "tanh" -> 1;
            default -> throw new IllegalArgumentException(
                    "gelu: approximate argument must be either none or tanh, got '" + approximate + "'");
        };
        return Ops.call(GELU, new Tensor[] {a}, NO_NUMBERS, new long[] {mode})[0];
    }
}
