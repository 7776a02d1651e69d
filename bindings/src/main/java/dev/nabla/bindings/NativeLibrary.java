package dev.nabla.bindings;

import dev.nabla.bindings.global.nabla;
import org.bytedeco.javacpp.Loader;

/**
 * The one place that loads the native libraries: JavaCPP's {@link Loader} extracts {@code libnabla.so} and
 * {@code libjninabla.so} from the per-platform jar and loads them, then the ABI version is checked so that a
 * jar built against another {@code nabla.h} fails here with a clear message instead of crashing later.
 */
public final class NativeLibrary {
    /** The ABI version these bindings were generated against ({@code NB_ABI_VERSION} in nabla.h). */
    public static final int EXPECTED_ABI_VERSION = nabla.NB_ABI_VERSION;

    private static volatile boolean loaded;

    private NativeLibrary() {}

    /** Loads the libraries once; later calls return at once. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            try {
                Loader.load(nabla.class);
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("Nabla: could not load the native library for platform "
                        + Loader.getPlatform() + "; is dev.nabla:nabla-bindings:" + Loader.getPlatform()
                        + " on the class path? (" + e.getMessage() + ")");
            }
            int actual = nabla.nb_abi_version();
            if (actual != EXPECTED_ABI_VERSION) {
                throw new UnsatisfiedLinkError("Nabla: native library has ABI version " + actual
                        + " but these bindings expect " + EXPECTED_ABI_VERSION
                        + "; use nabla-bindings jars of the same version");
            }
            loaded = true;
        }
    }
}
