package dev.nabla.bench;

import org.bytedeco.pytorch.global.torch;

/** libtorch through the JavaCPP presets ({@code org.bytedeco:pytorch}), CPU build. */
public final class TorchEngine implements Engine {

    @Override
    public String name() {
        return "libtorch";
    }

    @Override
    public String setThreads(int threads) {
        torch.set_num_threads(threads);
        // libtorch's GEMMs run on the OpenBLAS of the presets, whose pool set_num_threads does not
        // reach: without this, "threads=1" libtorch multiplies matrices on every core.
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
        int got = torch.get_num_threads();
        return got == threads ? null : "libtorch: asked for " + threads + " threads, has " + got;
    }

    @Override
    public W1.Impl w1() {
        return new W1Torch();
    }

    @Override
    public W2.Impl w2() {
        return new W2Torch();
    }

    @Override
    public W3.Impl w3() {
        return new W3Torch();
    }

    @Override
    public W4.Impl w4() {
        return new W4Torch();
    }

    @Override
    public W5.Impl w5() {
        return new W5Torch();
    }

    @Override
    public W6.Impl w6() {
        return new W6Torch();
    }

    @Override
    public W7.Impl w7() {
        return new W7Torch();
    }

    @Override
    public F.Impl f() {
        return new FTorch();
    }
}
