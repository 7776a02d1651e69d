package dev.nabla.bench;

/** An engine under test: its name, its thread setting, and its implementation of each workload. */
public interface Engine {

    String name();

    /** Sets the engine's intra-op thread count; returns a note when the engine cannot honour it, else null. */
    String setThreads(int threads);

    W1.Impl w1();

    W2.Impl w2();

    W3.Impl w3();

    W4.Impl w4();

    W5.Impl w5();

    W6.Impl w6();

    W7.Impl w7();

    F.Impl f();
}
