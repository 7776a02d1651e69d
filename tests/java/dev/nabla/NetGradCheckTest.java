package dev.nabla;

import dev.nabla.nn.Functional;

/** Gradient checks of the network functions in {@link Functional} (native: ops/nn.cpp). */
class NetGradCheckTest extends GradCheckCases {

    private static Tensor indices(long[] shape, float... values) {
        return Tensor.of(values, shape).to(DType.INT64);
    }

    @Override
    protected void define() {
        add("conv2d", "conv2d groups 1, stride 2, padding 1, dilation 2, bias",
                x -> Functional.conv2d(x[0], x[1], x[2], 2, 1, 2, 1), normal(s(2, 2, 5, 5), s(3, 2, 3, 3), s(3)));
        add("conv2d", "conv2d groups 2, stride 1, padding 1, bias",
                x -> Functional.conv2d(x[0], x[1], x[2], 1, 1, 1, 2), normal(s(2, 2, 5, 5), s(4, 1, 3, 3), s(4)));
        add("conv2d", "conv2d groups 2, stride 2, padding 1, dilation 2, no bias",
                x -> Functional.conv2d(x[0], x[1], null, 2, 1, 2, 2), normal(s(2, 2, 5, 5), s(2, 1, 2, 2)));
        add("conv2d", "conv2d rectangular: stride (2, 1), padding (1, 0), dilation (1, 2)",
                x -> Functional.conv2d(x[0], x[1], x[2], new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 1),
                normal(s(1, 3, 5, 6), s(2, 3, 3, 2), s(2)));
        add("conv2d", "conv2d unbatched [C, H, W]", x -> Functional.conv2d(x[0], x[1], x[2]),
                normal(s(2, 4, 4), s(3, 2, 2, 2), s(3)));
        add("conv2d", "conv2d 1x1 kernel", x -> Functional.conv2d(x[0], x[1], null), normal(s(2, 3, 2, 3), s(2, 3, 1, 1)));

        // Random normals: ties inside a window (a kink) have probability 0.
        add("max_pool2d", "maxPool2d kernel 2", x -> Functional.maxPool2d(x[0], 2), normal(s(2, 2, 4, 5)));
        add("max_pool2d", "maxPool2d kernel 3, stride 2, padding 1",
                x -> Functional.maxPool2d(x[0], 3, 2, 1), normal(s(1, 2, 5, 5)));
        add("max_pool2d", "maxPool2d overlapping windows, dilation 2",
                x -> Functional.maxPool2d(x[0], new int[] {2, 3}, new int[] {1}, new int[] {1}, new int[] {2}),
                normal(s(1, 2, 5, 6)));
        add("max_pool2d", "maxPool2d unbatched", x -> Functional.maxPool2d(x[0], 2), normal(s(2, 4, 4)));

        add("avg_pool2d", "avgPool2d kernel 2", x -> Functional.avgPool2d(x[0], 2), normal(s(2, 2, 4, 5)));
        add("avg_pool2d", "avgPool2d kernel 3, stride 2, padding 1, countIncludePad",
                x -> Functional.avgPool2d(x[0], 3, 2, 1), normal(s(1, 2, 5, 5)));
        add("avg_pool2d", "avgPool2d kernel 3, stride 1, padding 1, !countIncludePad",
                x -> Functional.avgPool2d(x[0], new int[] {3}, new int[] {1}, new int[] {1}, false), normal(s(1, 2, 4, 5)));

        add("embedding", "embedding with repeated indices",
                x -> Functional.embedding(indices(s(2, 3), 0, 2, 2, 4, 0, 2), x[0]), normal(s(5, 3)));
        add("embedding", "embedding of a single index",
                x -> Functional.embedding(indices(s(), 1), x[0]), normal(s(3, 2)));

        // Not a registry op (it takes a generator): a fresh generator per call keeps f deterministic.
        add(null, "dropout p = 0.4", x -> {
            try (Generator g = new Generator(7)) {
                return Functional.dropout(x[0], 0.4, true, g);
            }
        }, normal(s(4, 5)));

        add(null, "a small CNN: conv 8x8 -> max pool 4x4 -> avg pool 2x2 -> linear head",
                x -> Functional.avgPool2d(Functional.maxPool2d(Functional.conv2d(x[0], x[1], x[2], 1, 1, 1, 1), 2), 2)
                        .reshape(2, -1).matmul(x[3]).sum(),
                normal(s(2, 1, 8, 8), s(2, 1, 3, 3), s(2), s(8, 3)));
    }
}
