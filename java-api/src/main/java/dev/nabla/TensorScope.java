package dev.nabla;

import java.util.Arrays;

/**
 * Closes every tensor created on this thread while it is the innermost open scope:
 *
 * <pre>{@code
 * try (TensorScope scope = TensorScope.open()) {
 *     Tensor loss = x.mul(w).add(b).sub(y).pow(2).mean();
 *     loss.backward();
 *     kept = scope.keep(loss.detach());   // survives the scope
 * }                                       // everything else created inside is freed here
 * }</pre>
 *
 * <p>Confined to the thread that opened it, like {@code Arena.ofConfined()}. Scopes nest and must be
 * closed in reverse order of opening; closing one twice throws, as {@code Arena.close()} does. Tensors
 * created outside any scope are freed by {@link Tensor#close()} or, once unreachable, by the
 * safety net (phantom references, like a {@link java.lang.ref.Cleaner}).
 */
public final class TensorScope implements AutoCloseable {
    private final ThreadState state;
    private final TensorScope parent;
    private Tensor[] tensors = new Tensor[16];
    private int size;
    private boolean closed;

    private TensorScope(ThreadState state, TensorScope parent) {
        this.state = state;
        this.parent = parent;
    }

    /** Opens a scope on this thread; it becomes the innermost one. */
    public static TensorScope open() {
        ThreadState s = ThreadState.get();
        TensorScope scope = new TensorScope(s, s.scope);
        s.scope = scope;
        return scope;
    }

    void add(Tensor t) {
        if (size == tensors.length) {
            tensors = Arrays.copyOf(tensors, size * 2);
        }
        tensors[size++] = t;
    }

    /** A tensor closed early: drop it when it is the newest entry, so create-and-close loops stay flat. */
    void forget(Tensor t) {
        if (size > 0 && tensors[size - 1] == t && Thread.currentThread() == state.owner) {
            tensors[--size] = null;
        }
    }

    /**
     * Moves {@code t}, which this scope owns, to the enclosing scope, or out of all scopes (then it is
     * freed by {@link Tensor#close()} or the safety net). Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        checkOpen("keep");
        if (t.scope != this) {
            throw new IllegalArgumentException("TensorScope.keep: the tensor does not belong to this scope");
        }
        t.checkOpen("keep");
        t.moveTo(parent);
        return t;
    }

    /**
     * Takes {@code t} out of whatever scope owns it, so that only {@link Tensor#close()} (or the safety net) frees
     * it: for long-lived tensors made inside a scope, such as a model's parameters. Returns {@code t}.
     */
    public static Tensor escape(Tensor t) {
        t.checkOpen("escape");
        if (t.scope != null) {
            t.moveTo(null);
        }
        return t;
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return closed;
    }

    /** Frees every tensor this scope still owns, newest first. Throws if already closed. */
    @Override
    public void close() {
        checkOpen("close");
        if (state.scope != this) {
            throw new IllegalStateException(
                    "TensorScope.close: an inner scope is still open; close scopes in reverse order of opening");
        }
        closed = true;
        state.scope = parent;
        for (int i = size - 1; i >= 0; i--) {
            Tensor t = tensors[i];
            tensors[i] = null;
            if (t.scope == this) {
                t.close();
            }
        }
        size = 0;
    }

    private void checkOpen(String what) {
        if (Thread.currentThread() != state.owner) {
            throw new WrongThreadException("TensorScope." + what + ": the scope belongs to another thread");
        }
        if (closed) {
            throw new IllegalStateException("TensorScope." + what + ": the scope is already closed");
        }
    }
}
