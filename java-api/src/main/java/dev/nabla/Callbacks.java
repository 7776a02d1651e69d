package dev.nabla;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.global.nabla;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The Java end of the native callback ({@code nb_set_callback}): tensor hooks and custom
 * {@link Function}s live here under an id that the native graph keeps. One FFM upcall stub, made
 * once, receives every call and dispatches on the kind ({@code NB_CB_*}).
 *
 * <p>Note [exceptions in callbacks]: an exception must never unwind through native frames (that
 * would crash the JVM). The upcall catches everything, stashes it per thread and returns an error
 * code; the native call in progress then fails with {@code NB_ERR_CALLBACK}, and {@link #check}
 * rethrows the stashed exception after the call returns.
 */
final class Callbacks {
    private static final Map<Long, Object> ENTRIES = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final ThreadLocal<Throwable> PENDING = new ThreadLocal<>();

    record Hook(UnaryOperator<Tensor> fn) {}

    record PostHook(Consumer<Tensor> fn) {}

    record FunctionEntry(Function fn, FunctionContext ctx) {}

    static {
        ThreadState.get(); // loads the native library
        try {
            var target = MethodHandles.lookup().findStatic(Callbacks.class, "dispatch", MethodType.methodType(
                    int.class, int.class, long.class, int.class, MemorySegment.class, int.class,
                    MemorySegment.class, int.class));
            var descriptor = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT,
                    ADDRESS, JAVA_INT);
            MemorySegment stub = Linker.nativeLinker().upcallStub(target, descriptor, Arena.global());
            nabla.nb_set_callback(stub.address());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Callbacks() {}

    /** Registers an entry and returns its id; the native side releases it with NB_CB_RELEASE. */
    static long register(Object entry) {
        long id = NEXT_ID.getAndIncrement();
        ENTRIES.put(id, entry);
        return id;
    }

    static void remove(long id) {
        ENTRIES.remove(id);
    }

    /** Number of live entries (for leak tests). */
    static int size() {
        return ENTRIES.size();
    }

    /**
     * Like {@link Status#check} for calls that may run callbacks: an exception a callback threw
     * during the call is rethrown as it was; any other failure as {@link Status} maps it.
     */
    static void check(long status) {
        Throwable pending = PENDING.get();
        if (pending != null) {
            PENDING.remove();
        }
        if (status == 0) {
            return;
        }
        if (pending == null) {
            throw Status.raise(status);
        }
        nabla.nb_status_free(status);
        if (pending instanceof RuntimeException r) {
            throw r;
        }
        if (pending instanceof Error e) {
            throw e;
        }
        NablaException e = new NablaException(nabla.NB_ERR_CALLBACK, "a callback threw " + pending);
        e.initCause(pending);
        throw e;
    }

    /** The upcall. Never throws: see Note [exceptions in callbacks]. */
    private static int dispatch(int kind, long id, int flags, MemorySegment in, int nIn, MemorySegment out,
            int nOut) {
        try {
            switch (kind) {
                case nabla.NB_CB_RELEASE -> {
                    Object e = ENTRIES.remove(id);
                    if (e instanceof FunctionEntry f) {
                        f.ctx().free();
                    }
                    return 0;
                }
                case nabla.NB_CB_FREE_SAVED -> {
                    if (ENTRIES.get(id) instanceof FunctionEntry f) {
                        f.ctx().free();
                    }
                    return 0;
                }
                default -> {
                    return call(kind, id, flags, in, nIn, out, nOut);
                }
            }
        } catch (Throwable t) {
            if (kind == nabla.NB_CB_RELEASE || kind == nabla.NB_CB_FREE_SAVED) {
                return 0; // from a destructor: nobody to tell
            }
            Throwable prev = PENDING.get();
            if (prev == null) {
                PENDING.set(t);
            } else if (prev != t) {
                prev.addSuppressed(t);
            }
            return 1;
        }
    }

    private static int call(int kind, long id, int flags, MemorySegment in, int nIn, MemorySegment out, int nOut) {
        Object entry = ENTRIES.get(id);
        if (entry == null) {
            return 0; // a removed hook: the gradient goes on unchanged
        }
        ThreadState s = ThreadState.get();
        MemorySegment ins = in.reinterpret(8L * nIn);
        MemorySegment outs = out.reinterpret(8L * nOut);
        Tensor[] args = new Tensor[nIn];
        for (int i = 0; i < nIn; i++) {
            args[i] = Tensor.wrap(nabla.nb_tensor_retain(ins.getAtIndex(JAVA_LONG, i)), s);
        }
        int previous = s.flags;
        s.flags = flags;
        try {
            switch (entry) {
                case Hook h -> {
                    Tensor r = h.fn().apply(args[0]);
                    if (r != null && nOut > 0) {
                        outs.setAtIndex(JAVA_LONG, 0, nabla.nb_tensor_retain(r.handle()));
                        java.lang.ref.Reference.reachabilityFence(r); // Note [reachability] in Tensor
                    }
                }
                case PostHook h -> h.fn().accept(args[0]);
                case FunctionEntry f -> {
                    // Under createGraph with saved outputs, the gradients are followed by the outputs
                    // with their history (nb_function_record, has_saved bit 2).
                    int n = f.ctx().numOutputs();
                    Tensor[] gradOut = args;
                    if (n > 0 && nIn == 2 * n) {
                        gradOut = java.util.Arrays.copyOf(args, n);
                        f.ctx().outputsWithHistory(java.util.Arrays.copyOfRange(args, n, nIn));
                    }
                    Tensor[] grads;
                    try {
                        grads = f.fn().runBackward(f.ctx(), gradOut);
                    } finally {
                        f.ctx().outputsWithHistory(null);
                    }
                    if (grads.length != nOut) {
                        throw new IllegalStateException("function " + f.fn().nodeName()
                                + " returned an incorrect number of gradients (expected " + nOut + ", got "
                                + grads.length + ")");
                    }
                    for (int i = 0; i < nOut; i++) {
                        if (grads[i] != null) {
                            outs.setAtIndex(JAVA_LONG, i, nabla.nb_tensor_retain(grads[i].handle()));
                        }
                    }
                    java.lang.ref.Reference.reachabilityFence(grads); // Note [reachability] in Tensor
                }
                default -> throw new IllegalStateException("Nabla: unknown callback entry " + entry);
            }
        } finally {
            s.flags = previous;
        }
        return 0;
    }
}
