package dev.nabla;

import dev.nabla.bindings.global.nabla;

/**
 * Grad mode, per thread, like {@code torch.no_grad()} and {@code torch.enable_grad()}:
 *
 * <pre>{@code
 * try (var g = GradMode.noGrad()) {
 *     w.addInPlace(w.grad(), -lr);   // not recorded
 * }                                  // the previous mode is back
 * }</pre>
 *
 * The state lives in Java and is passed to native on every op call, so nothing hides in native
 * thread-locals. Guards nest; each restores the mode that was in force when it was opened.
 */
public final class GradMode {
    private GradMode() {}

    /** Turns recording off on this thread until the returned guard closes (like {@code torch.no_grad()}). */
    public static Guard noGrad() {
        return set(false);
    }

    /** Turns recording on on this thread until the returned guard closes (like {@code torch.enable_grad()}). */
    public static Guard enableGrad() {
        return set(true);
    }

    /** Whether ops on this thread record a graph (like {@code torch.is_grad_enabled()}). */
    public static boolean isEnabled() {
        return (ThreadState.get().flags & nabla.NB_GRAD) != 0;
    }

    private static Guard set(boolean enabled) {
        ThreadState s = ThreadState.get();
        Guard g = new Guard(s, s.flags & nabla.NB_GRAD);
        s.flags = (s.flags & ~nabla.NB_GRAD) | (enabled ? nabla.NB_GRAD : 0);
        return g;
    }

    /** Restores the previous grad mode on close; closing again does nothing. Confined to its thread. */
    public static final class Guard implements AutoCloseable {
        private final ThreadState state;
        private final int previous; // the NB_GRAD bit only
        private boolean closed;

        private Guard(ThreadState state, int previous) {
            this.state = state;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (Thread.currentThread() != state.owner) {
                throw new WrongThreadException("GradMode guard closed on a thread other than the one that opened it");
            }
            if (!closed) {
                closed = true;
                state.flags = (state.flags & ~nabla.NB_GRAD) | previous; // other flag bits stay
            }
        }
    }
}
