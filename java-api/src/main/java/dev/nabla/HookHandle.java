package dev.nabla;

/**
 * A registered hook (like the handle {@code register_hook} returns in PyTorch). {@link #close()}
 * removes the hook: later backward passes no longer call it. Closing twice does nothing.
 */
public final class HookHandle implements AutoCloseable {
    private final long id;

    HookHandle(long id) {
        this.id = id;
    }

    /** Removes the hook (like {@code handle.remove()}). */
    @Override
    public void close() {
        Callbacks.remove(id);
    }
}
