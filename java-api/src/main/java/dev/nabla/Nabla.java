package dev.nabla;

import dev.nabla.bindings.NativeLibrary;
import dev.nabla.bindings.global.nabla;

/** Library-wide functions. */
public final class Nabla {
    static {
        NativeLibrary.load();
    }

    private Nabla() {}

    /** Reseeds the default generator used by {@link Tensor#randn(long...)} and friends, like {@code torch.manual_seed}. */
    public static void manualSeed(long seed) {
        Generator.defaultGenerator().manualSeed(seed);
    }

    /** The number of live native tensors, for leak checks in tests. */
    public static long liveTensors() {
        return nabla.nb_live_tensors();
    }

    /**
     * The number of elementwise results whose values are not computed yet. An elementwise op on tensors
     * larger than the last-level cache that records no graph is deferred, and a chain of such ops runs as
     * one pass over memory when its values are first read; a deferred result keeps its operands alive until
     * then, even when they are closed. For tests and diagnostics.
     */
    public static long deferredTensors() {
        return nabla.nb_deferred_tensors();
    }

    /** The ABI version of the loaded native library. */
    public static int abiVersion() {
        return nabla.nb_abi_version();
    }

    /** Sets the global print options of {@link Tensor#toString()}, like {@code torch.set_printoptions}. */
    public static void setPrintOptions(PrintOptions options) {
        PrintOptions.set(options);
    }

    /** Restores PyTorch's default print options. */
    public static void resetPrintOptions() {
        PrintOptions.reset();
    }

    /**
     * Sets the number of threads that large elementwise ops, sums and matrix products use, like
     * {@code torch.set_num_threads}. Process-wide; call it between ops. Tensors below a few tens of
     * thousands of elements always run on the calling thread.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setNumThreads(int n) {
        Status.check(nabla.nb_set_num_threads(n));
    }

    /**
     * The number of threads ops use, like {@code torch.get_num_threads}; by default the number of
     * cores this process may run on.
     */
    public static int getNumThreads() {
        return nabla.nb_get_num_threads();
    }

    /**
     * Returns the tensor buffers that Nabla keeps for reuse (freed tensors of 4 KiB and more) to the
     * system, like {@code torch.cuda.empty_cache}. Live tensors are untouched. The cache also empties
     * itself when an allocation fails, and holds at most 1 GiB (environment variable
     * {@code NABLA_CACHE_LIMIT_MB}; 0 turns it off).
     */
    public static void emptyCache() {
        nabla.nb_empty_cache();
    }

    /** Bytes that the buffer cache holds now (see {@link #emptyCache()}). */
    public static long cachedBytes() {
        return nabla.nb_cached_bytes();
    }
}
