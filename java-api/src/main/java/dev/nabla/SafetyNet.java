package dev.nabla;

import dev.nabla.bindings.global.nabla;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The safety net behind tensors outside every scope: it frees the native tensor of a {@link Tensor} that
 * became unreachable without {@code close()}, as a {@link java.lang.ref.Cleaner} would, without the
 * Cleaner's shared lock. A Cleaner's register and clean take that lock twice; they were 19 ns of the ~26 ns
 * the Java side added to a small op (docs/call-path.md).
 *
 * <p>How it stays correct:
 * <ul>
 *   <li>Each registration is a phantom reference in a list of the registering thread. While that thread
 *       lives, only it links and unlinks nodes, so the list needs no lock.</li>
 *   <li>{@code close()} runs while the Tensor is reachable (it fences itself), so its reference cannot have
 *       been enqueued; {@link #release} clears it, after which it never will be. The native tensor is then
 *       freed by close() alone. A reference that is enqueued was never released: the net frees its handle.</li>
 *   <li>A close() on another thread only marks the node; the owner sweeps marked nodes out now and then
 *       (amortized over its registrations). Once the owner has ended (which happens-before {@code isAlive()}
 *       returning false), the net's own thread sweeps that list, and drops it when it is empty.</li>
 * </ul>
 */
final class SafetyNet {
    private SafetyNet() {}

    private static final ReferenceQueue<Tensor> QUEUE = new ReferenceQueue<>();
    /** Every thread's list, so that the references stay reachable after their thread ends. */
    private static final ConcurrentLinkedQueue<Registry> ALL = new ConcurrentLinkedQueue<>();

    static {
        Thread t = new Thread(SafetyNet::run, "nabla-safety-net");
        t.setDaemon(true);
        t.start();
    }

    /** One registration: the handle to free, and the links of its thread's list. */
    static final class Ref extends PhantomReference<Tensor> {
        final long handle;
        final Registry owner;
        /** Set by release() or once the net freed the handle: the node only waits to be unlinked. */
        boolean done;
        Ref prev;
        Ref next;

        Ref(Tensor t, long handle, Registry owner) {
            super(t, QUEUE);
            this.handle = handle;
            this.owner = owner;
        }
    }

    /** One thread's registrations (kept in its {@link ThreadState}). */
    static final class Registry {
        final Thread thread = Thread.currentThread();
        private Ref first;
        private long size;
        private long sinceSweep;

        Registry() {
            ALL.add(this);
        }

        void link(Ref r) {
            if (++sinceSweep > Math.max(1024, size)) {
                sweep();
            }
            r.next = first;
            if (first != null) {
                first.prev = r;
            }
            first = r;
            size++;
        }

        void unlink(Ref r) {
            if (r.prev != null) {
                r.prev.next = r.next;
            } else if (first == r) {
                first = r.next;
            } else {
                return; // not linked (already swept out)
            }
            if (r.next != null) {
                r.next.prev = r.prev;
            }
            r.prev = null;
            r.next = null;
            size--;
        }

        /** Unlinks the nodes marked done; by the owner, or by the net once the owner has ended. */
        void sweep() {
            sinceSweep = 0;
            for (Ref r = first; r != null;) {
                Ref next = r.next;
                if (r.done) {
                    unlink(r);
                }
                r = next;
            }
        }

        boolean isEmpty() {
            return first == null;
        }
    }

    /** Registers {@code t}, owning {@code handle}, in the calling thread's list ({@code reg}). */
    static Ref register(Tensor t, long handle, Registry reg) {
        Ref r = new Ref(t, handle, reg);
        reg.link(r);
        return r;
    }

    /** For close(), while the tensor is reachable: the net will not free this handle; the caller does. */
    static void release(Ref r) {
        r.clear();
        r.done = true;
        if (r.owner.thread == Thread.currentThread()) {
            r.owner.unlink(r);
        }
    }

    private static void run() {
        long processed = 0;
        while (true) {
            try {
                Ref r = (Ref) QUEUE.remove(1000);
                if (r != null) {
                    nabla.nb_tensor_free(r.handle);
                    r.done = true;
                    processed++;
                }
                if (r == null || (processed & 4095) == 0) {
                    sweepEnded();
                }
            } catch (InterruptedException e) {
                // a daemon: keep going
            } catch (Throwable e) {
                // never let the net's thread die; a failed free has nothing to report to
            }
        }
    }

    /** For tests: the nodes still linked in the lists of ended threads, and how many such lists remain. */
    static long[] endedThreadsState() {
        long nodes = 0;
        long lists = 0;
        for (Registry reg : ALL) {
            if (!reg.thread.isAlive()) {
                lists++;
                nodes += reg.size;
            }
        }
        return new long[] {nodes, lists};
    }

    /** For tests: the nodes linked in the calling thread's list. */
    static long linkedHere() {
        return ThreadState.get().registry.size;
    }

    /** Sweeps the lists of threads that have ended, and drops those that are empty. */
    private static void sweepEnded() {
        for (Iterator<Registry> it = ALL.iterator(); it.hasNext();) {
            Registry reg = it.next();
            if (!reg.thread.isAlive()) {
                reg.sweep();
                if (reg.isEmpty()) {
                    it.remove();
                }
            }
        }
    }
}
