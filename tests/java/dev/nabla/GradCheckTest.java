package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Test;

/** The core ops against central differences (see {@link GradCheck}). */
class GradCheckTest extends GradCheckCases {

    @Override
    protected void define() {
        for (long[][] p : BROADCAST_PAIRS) {
            String shapes = Shape.of(p[0]) + ", " + Shape.of(p[1]);
            add("add", "add " + shapes, x -> x[0].add(x[1]), normal(p[0], p[1]));
            add("sub", "sub " + shapes, x -> x[0].sub(x[1]), normal(p[0], p[1]));
            add("mul", "mul " + shapes, x -> x[0].mul(x[1]), normal(p[0], p[1]));
            add("div", "div " + shapes, x -> x[0].div(x[1]), normalThenPositive(p[0], p[1]));
        }
        add("add_scalar", "add scalar", x -> x[0].add(2.5), normal(s(2, 3)));
        add("sub_scalar", "sub scalar", x -> x[0].sub(2.5), normal(s(2, 3)));
        add("rsub_scalar", "rsub scalar", x -> x[0].rsub(2.5), normal(s(2, 3)));
        add("mul_scalar", "mul scalar", x -> x[0].mul(-1.5), normal(s(2, 3)));
        add("div_scalar", "div scalar", x -> x[0].div(4.0), normal(s(2, 3)));
        add("rdiv_scalar", "rdiv scalar", x -> x[0].rdiv(3.0), pos(2, 3));
        add("neg", "neg", x -> x[0].neg(), normal(s(2, 3)));
        add("pow_scalar", "pow 2", x -> x[0].pow(2), normal(s(2, 3)));
        add("pow_scalar", "pow 3", x -> x[0].pow(3), normal(s(4)));
        add("pow_scalar", "pow 0.5", x -> x[0].pow(0.5), pos(2, 3));
        add("pow_scalar", "pow -1.5", x -> x[0].pow(-1.5), pos(2, 3));
        add("pow_scalar", "pow 0", x -> x[0].pow(0), pos(3));

        add("sum", "sum all", x -> x[0].sum(), normal(s(2, 3, 4)));
        add("sum", "sum of scalar", x -> x[0].sum(), normal(s()));
        for (boolean keep : new boolean[] {false, true}) {
            add("sum_dims", "sum dim 0 keepDim=" + keep, x -> x[0].sum(0, keep), normal(s(2, 3, 4)));
            add("sum_dims", "sum dim -1 keepDim=" + keep, x -> x[0].sum(-1, keep), normal(s(2, 3, 4)));
            add("sum_dims", "sum dims {0, 2} keepDim=" + keep, x -> x[0].sum(new int[] {0, 2}, keep), normal(s(2, 3, 4)));
            add("sum_dims", "sum size-1 dim keepDim=" + keep, x -> x[0].sum(1, keep), normal(s(3, 1, 2)));
            add("mean_dims", "mean dim 1 keepDim=" + keep, x -> x[0].mean(1, keep), normal(s(2, 3, 4)));
            add("mean_dims", "mean dims {1, 2} keepDim=" + keep, x -> x[0].mean(new int[] {1, 2}, keep), normal(s(2, 3, 4)));
            add("mean_dims", "mean dim -2 keepDim=" + keep, x -> x[0].mean(-2, keep), normal(s(3, 4)));
        }
        add("mean", "mean all", x -> x[0].mean(), normal(s(2, 3, 4)));

        add("reshape", "reshape", x -> x[0].reshape(3, 2), normal(s(2, 3)));
        add("reshape", "reshape -1", x -> x[0].reshape(-1), normal(s(2, 3, 2)));
        add("reshape", "reshape of a transposed view (copy)", x -> x[0].transpose(0, 1).reshape(6), normal(s(2, 3)));
        add("view", "view", x -> x[0].view(6, 1), normal(s(2, 3)));
        add("transpose", "transpose", x -> x[0].transpose(0, 2), normal(s(2, 3, 4)));
        add("transpose", "transpose negative dims", x -> x[0].transpose(-1, -2), normal(s(2, 3)));
        add("transpose", "t", x -> x[0].t(), normal(s(2, 3)));
        add("transpose", "t of 1-d", x -> x[0].t(), normal(s(3)));
        add("expand", "expand size-1 dim", x -> x[0].expand(3, 4), normal(s(3, 1)));
        add("expand", "expand new leading dims", x -> x[0].expand(2, 2, 3), normal(s(3)));
        add("expand", "expand -1", x -> x[0].expand(-1, 4), normal(s(2, 1)));
        add("contiguous", "contiguous of a transposed view", x -> x[0].transpose(0, 1).contiguous(), normal(s(2, 3)));
        add("contiguous", "contiguous of a contiguous tensor", x -> x[0].contiguous(), normal(s(2, 3)));
        add("clone", "clone", x -> x[0].clone(), normal(s(2, 3)));
        add("to_dtype", "to float64", x -> x[0].to(DType.FLOAT64), normal(s(2, 3)));

        add("matmul", "matmul 2-d @ 2-d", x -> x[0].matmul(x[1]), normal(s(2, 3), s(3, 4)));
        add("matmul", "matmul 1-d @ 2-d", x -> x[0].matmul(x[1]), normal(s(3), s(3, 4)));
        add("matmul", "matmul 2-d @ 1-d", x -> x[0].matmul(x[1]), normal(s(2, 3), s(3)));
        add("matmul", "matmul 1-d @ 1-d", x -> x[0].matmul(x[1]), normal(s(3), s(3)));
        add("matmul", "matmul of transposed views", x -> x[0].t().matmul(x[1].t()), normal(s(3, 2), s(4, 3)));

        // Composites: the tutorial's function, and one op used twice (gradients accumulate).
        add(null, "tutorial: mean(3 (x + 2)^2)", x -> {
            Tensor y = x[0].add(2);
            return y.mul(y).mul(3).mean();
        }, normal(s(2, 2)));
        add(null, "mlp-like: sum((x @ w + b)^2)", x -> x[0].matmul(x[1]).add(x[2]).pow(2).sum(), normal(s(4, 3), s(3, 2), s(2)));
    }

    @Test
    void theCheckCatchesAWrongGradient() {
        // f(x) = detach(x) * x has true derivative 2x, but backward sees only the second factor: x.
        Tensor x = randn(5, 3).requiresGrad(true);
        GradCheckException e = assertThrows(GradCheckException.class,
                () -> GradCheck.options().name("detach lies").check(in -> in[0].detach().mul(in[0]), x));
        assertTrue(e.getMessage().contains("central differences"), e.getMessage());
    }
}
