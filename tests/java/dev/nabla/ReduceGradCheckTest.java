package dev.nabla;

import java.util.function.Supplier;

/**
 * The reductions, softmax and linear-algebra family against central differences (see {@link GradCheck}).
 * Inputs are standard normal, so max/min/amax/amin/norm-inf have no ties and norm-1 no zeros; the tie
 * rule has its own known-value test in {@link ReduceTest}.
 */
class ReduceGradCheckTest extends GradCheckCases {

    private static final double INF = Double.POSITIVE_INFINITY;

    private static int[] d(int... dims) {
        return dims;
    }

    private static Supplier<Tensor[]> values(double[] v, long... shape) {
        return () -> new Tensor[] {Tensor.of(v, shape)};
    }

    @Override
    protected void define() {
        add("prod", "prod all", x -> x[0].prod(), normal(s(2, 3, 2)));
        add("prod", "prod of scalar", x -> x[0].prod(), normal(s()));
        add("prod", "prod with one zero", x -> x[0].prod(), values(new double[] {1.5, 0, -2, 0.5}, 4));
        add("prod", "prod with two zeros", x -> x[0].prod(), values(new double[] {1.5, 0, -2, 0}, 2, 2));
        for (boolean keep : new boolean[] {false, true}) {
            String k = " keepDim=" + keep;
            add("prod_dim", "prod dim 1" + k, x -> x[0].prod(1, keep), normal(s(3, 4, 2)));
            add("prod_dim", "prod dim -1 with zeros" + k, x -> x[0].prod(-1, keep),
                    values(new double[] {0, 2, 3, 0, 0, 4, 1, 2, 3}, 3, 3));
            add("max_dim", "max dim 0" + k, x -> x[0].max(0, keep).values(), normal(s(3, 5)));
            add("max_dim", "max dim -1" + k, x -> x[0].max(-1, keep).values(), normal(s(2, 3, 4)));
            add("min_dim", "min dim 1" + k, x -> x[0].min(1, keep).values(), normal(s(2, 3, 4)));
            add("amax", "amax dims {0, 2}" + k, x -> x[0].amax(d(0, 2), keep), normal(s(2, 3, 4)));
            add("amax", "amax dim 1" + k, x -> x[0].amax(d(1), keep), normal(s(3, 5)));
            add("amin", "amin dims {-1}" + k, x -> x[0].amin(d(-1), keep), normal(s(2, 3, 4)));
            add("amin", "amin all" + k, x -> x[0].amin(d(), keep), normal(s(3, 2)));
            add("var", "var dim 1" + k, x -> x[0].var(d(1), 1, keep), normal(s(3, 4, 2)));
            add("var", "var dims {0, 2} correction 0" + k, x -> x[0].var(d(0, 2), 0, keep), normal(s(3, 4, 2)));
            add("std", "std dim -1" + k, x -> x[0].std(d(-1), 1, keep), normal(s(3, 5)));
            add("std", "std dims {0, 1} correction 0" + k, x -> x[0].std(d(0, 1), 0, keep), normal(s(2, 3, 2)));
            for (double p : new double[] {1, 2, INF}) {
                add("norm", "norm p=" + p + " dim 1" + k, x -> x[0].norm(p, d(1), keep), normal(s(3, 4, 2)));
            }
            add("logsumexp", "logsumexp dim 1" + k, x -> x[0].logsumexp(d(1), keep), normal(s(3, 4, 2)));
            add("logsumexp", "logsumexp dims {0, 2}" + k, x -> x[0].logsumexp(d(0, 2), keep), normal(s(3, 4, 2)));
        }
        add("max", "max all", x -> x[0].max(), normal(s(3, 4)));
        add("min", "min all", x -> x[0].min(), normal(s(2, 3, 2)));
        add("var", "var all", x -> x[0].var(), normal(s(3, 4)));
        add("std", "std all", x -> x[0].std(), normal(s(3, 4)));
        add("std", "std of a size-1 dim is 0, gradient masked to 0", x -> x[0].std(d(1), 0, false), normal(s(3, 1)));
        for (double p : new double[] {1, 2, INF}) {
            add("norm", "norm p=" + p + " all", x -> x[0].norm(p), normal(s(3, 5)));
        }
        add("logsumexp", "logsumexp all", x -> x[0].logsumexp(d(), false), normal(s(2, 3)));
        for (int dim : new int[] {0, 1, -1}) {
            add("softmax", "softmax dim " + dim, x -> x[0].softmax(dim), normal(s(3, 4, 5)));
            add("log_softmax", "log_softmax dim " + dim, x -> x[0].logSoftmax(dim), normal(s(3, 4, 5)));
        }
        add("softmax", "softmax of a size-1 dim", x -> x[0].softmax(1), normal(s(3, 1)));
        add("softmax", "softmax of a transposed view", x -> x[0].t().softmax(1), normal(s(4, 3)));
        add("log_softmax", "log_softmax of a 1-d tensor", x -> x[0].logSoftmax(0), normal(s(7)));
        add("log_softmax", "log_softmax of large inputs", x -> x[0].mul(100).logSoftmax(1), normal(s(2, 5)));

        add("matmul", "matmul [b, n, m] @ [m, p]", x -> x[0].matmul(x[1]), normal(s(2, 3, 4), s(4, 5)));
        add("matmul", "matmul [b, n, m] @ [b, m, p]", x -> x[0].matmul(x[1]), normal(s(2, 3, 4), s(2, 4, 5)));
        add("matmul", "matmul [j, 1, n, m] @ [k, m, p]", x -> x[0].matmul(x[1]), normal(s(2, 1, 3, 4), s(3, 4, 2)));
        add("matmul", "matmul [1, n, m] @ [b, m, p]", x -> x[0].matmul(x[1]), normal(s(1, 3, 4), s(2, 4, 2)));
        add("matmul", "matmul [m] @ [b, m, p]", x -> x[0].matmul(x[1]), normal(s(4), s(2, 4, 3)));
        add("matmul", "matmul [b, n, m] @ [m]", x -> x[0].matmul(x[1]), normal(s(2, 3, 4), s(4)));
        add("matmul", "matmul [b, n, m] @ transposed [b, p, m]", x -> x[0].matmul(x[1].transpose(-1, -2)),
                normal(s(2, 3, 4), s(2, 5, 4)));
        add("bmm", "bmm", x -> x[0].bmm(x[1]), normal(s(3, 2, 4), s(3, 4, 5)));
        add("bmm", "bmm of transposed views", x -> x[0].transpose(1, 2).bmm(x[1]), normal(s(2, 4, 3), s(2, 4, 2)));
        add("outer", "outer", x -> x[0].outer(x[1]), normal(s(3), s(4)));
        add("dot", "dot", x -> x[0].dot(x[1]), normal(s(5), s(5)));
        add("linear", "linear with bias", x -> Tensor.linear(x[0], x[1], x[2]), normal(s(4, 3), s(5, 3), s(5)));
        add("linear", "linear without bias", x -> Tensor.linear(x[0], x[1], null), normal(s(4, 3), s(5, 3)));
        add("linear", "linear with batch dims", x -> Tensor.linear(x[0], x[1], x[2]), normal(s(2, 4, 3), s(5, 3), s(5)));
        add("linear", "linear of a 1-d input", x -> Tensor.linear(x[0], x[1], x[2]), normal(s(3), s(2, 3), s(2)));

        // A composite: cross-entropy as -mean(log_softmax picked by a one-hot mask).
        add(null, "cross-entropy-like: -mean(log_softmax(x) * onehot)", x -> {
            Tensor onehot = Tensor.of(new double[][] {{0, 1, 0}, {1, 0, 0}});
            return x[0].logSoftmax(1).mul(onehot).sum(1, false).mean().neg();
        }, normal(s(2, 3)));
    }
}
