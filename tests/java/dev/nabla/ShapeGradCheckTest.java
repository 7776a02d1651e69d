package dev.nabla;

/** The shape and indexing ops against central differences (see {@link GradCheck}). */
class ShapeGradCheckTest extends GradCheckCases {

    /** An int64 index tensor (made inside f, so it is a constant of the checked function). */
    static Tensor idx(float[] values, long... shape) {
        return Tensor.of(values, shape).to(DType.INT64);
    }

    static Tensor mask(float[] values, long... shape) {
        return Tensor.of(values, shape).to(DType.BOOL);
    }

    @Override
    protected void define() {
        add("permute", "permute (2, 0, 1)", x -> x[0].permute(2, 0, 1), normal(s(2, 3, 4)));
        add("permute", "permute negative dims", x -> x[0].permute(-1, 0, -2), normal(s(2, 1, 3)));
        add("permute", "permute of a transposed view", x -> x[0].t().permute(1, 0), normal(s(3, 2)));

        add("squeeze", "squeeze all", x -> x[0].squeeze(), normal(s(2, 1, 3, 1)));
        add("squeeze", "squeeze of a scalar", x -> x[0].squeeze(), normal(s()));
        add("squeeze_dim", "squeeze dim 1", x -> x[0].squeeze(1), normal(s(2, 1, 3)));
        add("squeeze_dim", "squeeze dim -1 (size 3: unchanged)", x -> x[0].squeeze(-1), normal(s(2, 1, 3)));
        add("unsqueeze", "unsqueeze 0", x -> x[0].unsqueeze(0), normal(s(2, 3)));
        add("unsqueeze", "unsqueeze -1", x -> x[0].unsqueeze(-1), normal(s(2, 3)));
        add("unsqueeze", "unsqueeze of a scalar", x -> x[0].unsqueeze(0), normal(s()));

        add("flatten", "flatten all", x -> x[0].flatten(), normal(s(2, 3, 4)));
        add("flatten", "flatten dims 1..2", x -> x[0].flatten(1, 2), normal(s(2, 3, 4)));
        add("flatten", "flatten of a transposed view (copy)", x -> x[0].transpose(0, 2).flatten(0, 1), normal(s(2, 3, 4)));
        add("expand", "broadcastTo", x -> x[0].broadcastTo(2, 3, 4), normal(s(3, 1)));

        add("narrow", "narrow dim 1", x -> x[0].narrow(1, 1, 2), normal(s(2, 4)));
        add("narrow", "narrow negative start", x -> x[0].narrow(-1, -3, 3), normal(s(2, 5)));
        add("slice", "slice [1:4:2]", x -> x[0].slice(1, 1, 4, 2), normal(s(2, 5)));
        add("slice", "slice [-2:] along 0", x -> x[0].slice(0, -2, Long.MAX_VALUE), normal(s(4, 3)));
        add("slice", "slice with step 3 of a transposed view", x -> x[0].t().slice(0, 0, 7, 3), normal(s(2, 7)));
        add("slice", "empty slice", x -> x[0].slice(0, 3, 1), normal(s(4)));
        add("slice", "slice used twice", x -> x[0].slice(0, 0, 2).add(x[0].slice(0, 1, 3)), normal(s(3, 2)));
        add("select", "select row", x -> x[0].select(0, 1), normal(s(3, 4)));
        add("select", "select negative dim and index", x -> x[0].select(-1, -2), normal(s(2, 3, 4)));

        add("cat", "cat dim 0", x -> Tensor.cat(0, x[0], x[1], x[2]), normal(s(2, 3), s(1, 3), s(4, 3)));
        add("cat", "cat dim -1", x -> Tensor.cat(-1, x[0], x[1]), normal(s(2, 3), s(2, 1)));
        add("cat", "cat one input twice", x -> Tensor.cat(1, x[0], x[0].mul(2)), normal(s(2, 2)));
        add("cat", "cat with a legacy empty input", x -> Tensor.cat(0, x[0], x[1]), normal(s(0), s(2, 3)));
        add("stack", "stack dim 0", x -> Tensor.stack(0, x[0], x[1]), normal(s(2, 3), s(2, 3)));
        add("stack", "stack dim -1", x -> Tensor.stack(-1, x[0], x[1], x[2]), normal(s(3), s(3), s(3)));

        add("split", "split, every piece used", x -> {
            Tensor[] p = x[0].split(2, 0);
            return Tensor.cat(0, p[2], p[0].mul(3), p[1]);
        }, normal(s(5, 2)));
        add("split", "split, one piece unused", x -> {
            Tensor[] p = x[0].split(2, 1);
            return p[0].mul(p[2].sum());
        }, normal(s(2, 5)));
        add("split_with_sizes", "split with sizes", x -> {
            Tensor[] p = x[0].split(new long[] {1, 3, 2}, -1);
            return Tensor.cat(-1, p[2], p[0]);
        }, normal(s(2, 6)));
        add("chunk", "chunk 3 of 7", x -> {
            Tensor[] p = x[0].chunk(3, 0);
            return p[1].add(p[0].mul(2)).sum(0, false).add(p[2].sum());
        }, normal(s(7, 2)));

        add("index_select", "index_select dim 1, repeats", x -> x[0].indexSelect(1, idx(new float[] {2, 0, 2, 3})), normal(s(3, 4)));
        add("index_select", "index_select dim 0 of a transposed view", x -> x[0].t().indexSelect(0, idx(new float[] {1})), normal(s(3, 2)));
        add("gather", "gather dim 1", x -> x[0].gather(1, idx(new float[] {0, 0, 2, 1, 1, 0}, 2, 3)), normal(s(2, 3)));
        add("gather", "gather dim 0, smaller index", x -> x[0].gather(0, idx(new float[] {2, 0, 1, 1}, 2, 2)), normal(s(3, 4)));
        add("scatter_add", "scatter_add dim 1, repeats", x -> x[0].scatterAdd(1, idx(new float[] {0, 2, 0, 1, 1, 1}, 2, 3), x[1]),
                normal(s(2, 3), s(2, 3)));
        add("scatter_add", "scatter_add src larger than index", x -> x[0].scatterAdd(0, idx(new float[] {3, 0}, 1, 2), x[1]),
                normal(s(4, 3), s(2, 3)));
        add("masked_fill", "masked_fill with a broadcast mask", x -> x[0].maskedFill(mask(new float[] {1, 0, 1}), -2.0),
                normal(s(2, 3)));
        add("masked_fill", "masked_fill: the mask broadcasts the input", x -> x[0].maskedFill(mask(new float[] {0, 1, 1, 0}, 2, 2, 1), 5.0),
                normal(s(2, 3)));

        // Gradients of gradients: the backward rules are differentiable too.
        add(null, "d/dx of (d/dx sum(slice(x)^3)) . w", x -> firstGrad(x[0], t -> t.slice(1, 0, 3, 2).pow(3).sum()),
                normal(s(2, 4)));
        add(null, "d/dx of (d/dx sum(gather(x)^3)) . w", x -> firstGrad(x[0], t -> t.gather(0, idx(new float[] {1, 1, 0}, 1, 3)).pow(3).sum()),
                normal(s(2, 3)));
    }

    /** d f / d x with createGraph, as a differentiable tensor of x; x's .grad is left empty. */
    private static Tensor firstGrad(Tensor x, java.util.function.Function<Tensor, Tensor> f) {
        if (!GradMode.isEnabled()) { // the numeric side of the check: differentiate a fresh leaf
            try (var g = GradMode.enableGrad()) {
                Tensor leaf = x.detach().requiresGrad(true);
                f.apply(leaf).backward(null, false, true);
                Tensor grad = leaf.grad().detach();
                leaf.zeroGrad(); // leaf.grad's graph holds leaf: a cycle until cleared, as in PyTorch
                return grad;
            }
        }
        f.apply(x).backward(null, false, true);
        Tensor grad = x.grad();
        x.zeroGrad();
        return grad;
    }
}
