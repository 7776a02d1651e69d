package dev.nabla;

import dev.nabla.bindings.NativeLibrary;
import dev.nabla.bindings.global.nabla;
import java.lang.ref.Cleaner;

/**
 * A seeded random number generator, like {@code torch.Generator().manual_seed(seed)}. Pass it to
 * {@link Tensor#randn(Generator, DType, long...)} and {@link Tensor#rand(Generator, DType, long...)}.
 * Safe to share between threads (calls are serialized), but results then depend on the interleaving.
 */
public final class Generator implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    /** PyTorch's default CPU seed. */
    static final long DEFAULT_SEED = 67280421310721L;

    private static final Generator DEFAULT = new Generator(DEFAULT_SEED);

    private long handle;
    private final Cleaner.Cleanable cleanable;

    /** A new generator seeded with {@code seed}. */
    public Generator(long seed) {
        long h = nabla.nb_generator_new(seed);
        if (h == 0) {
            throw new NablaException(nabla.NB_ERR_MEMORY, "Generator: nb_generator_new failed");
        }
        handle = h;
        cleanable = Tensor.CLEANER.register(this, () -> nabla.nb_generator_free(h));
    }

    /** The global default generator (like {@code torch.default_generator}), reseeded by {@link Nabla#manualSeed(long)}. */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Reseeds this generator (like {@code manual_seed}); returns this. */
    public synchronized Generator manualSeed(long seed) {
        nabla.nb_generator_set_seed(handle("manualSeed"), seed);
        return this;
    }

    /** The handle; the caller holds this generator's monitor for the native call. */
    long handle(String op) {
        long h = handle;
        if (h == 0) {
            throw new IllegalStateException(op + ": the generator is closed");
        }
        return h;
    }

    /** Frees the native generator; later use throws {@link IllegalStateException}. */
    @Override
    public synchronized void close() {
        if (this == DEFAULT) {
            throw new UnsupportedOperationException("the default generator cannot be closed");
        }
        if (handle != 0) {
            handle = 0;
            cleanable.clean();
        }
    }
}
