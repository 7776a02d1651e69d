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
}
