package dev.nabla.bench;

import dev.nabla.Nabla;
import java.lang.reflect.Method;

/** Nabla through its Java API ({@code dev.nabla}). */
public final class NablaEngine implements Engine {

    /** {@code Nabla.setNumThreads(int)} when this build has it (looked up reflectively), else null. */
    private static final Method SET_THREADS = find();

    public NablaEngine() {
        Nabla.abiVersion(); // loads the native library now, so a failure is reported before any timing
    }

    private static Method find() {
        try {
            return Nabla.class.getMethod("setNumThreads", int.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    @Override
    public String name() {
        return "nabla";
    }

    @Override
    public String setThreads(int threads) {
        if (SET_THREADS == null) {
            return "nabla has no Nabla.setNumThreads in this build; it runs as it is (its kernels' and"
                    + " OpenBLAS's own defaults)";
        }
        try {
            SET_THREADS.invoke(null, threads);
            return null;
        } catch (ReflectiveOperationException e) {
            return "nabla: Nabla.setNumThreads(" + threads + ") failed: " + e.getCause();
        }
    }

    @Override
    public W1.Impl w1() {
        return new W1Nabla();
    }

    @Override
    public W2.Impl w2() {
        return new W2Nabla();
    }

    @Override
    public W3.Impl w3() {
        return new W3Nabla();
    }

    @Override
    public W4.Impl w4() {
        return new W4Nabla();
    }

    @Override
    public W5.Impl w5() {
        return new W5Nabla();
    }

    @Override
    public W6.Impl w6() {
        return new W6Nabla();
    }

    @Override
    public W7.Impl w7() {
        return new W7Nabla();
    }

    @Override
    public F.Impl f() {
        return new FNabla();
    }
}
