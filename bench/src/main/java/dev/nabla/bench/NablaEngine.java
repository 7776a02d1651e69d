package dev.nabla.bench;

import dev.nabla.Nabla;

/** Nabla through its Java API ({@code dev.nabla}). */
public final class NablaEngine implements Engine {

    public NablaEngine() {
        Nabla.abiVersion(); // loads the native library now, so a failure is reported before any timing
    }

    @Override
    public String name() {
        return "nabla";
    }

    @Override
    public String setThreads(int threads) {
        // No thread API yet: Nabla's CPU kernels run on the calling thread.
        return threads == 1 ? null : "nabla has no thread API yet; it runs as it is (single-threaded kernels)";
    }

    @Override
    public W1.Impl w1() {
        return new W1Nabla();
    }

    @Override
    public W2.Impl w2() {
        return new W2Nabla();
    }
}
