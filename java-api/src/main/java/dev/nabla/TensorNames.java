package dev.nabla;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names given with {@link Tensor#name(String)}, keyed by the native tensor's address so that a graph
 * walk, which reaches leaves as fresh native handles, finds them. An entry is valid while the
 * {@code Tensor} that named it is reachable and open: its native reference keeps the address from
 * being reused by another tensor.
 */
final class TensorNames {
    private record Entry(WeakReference<Tensor> owner, String name) {}

    private static final Map<Long, Entry> NAMES = new ConcurrentHashMap<>();

    private TensorNames() {}

    static void set(Tensor t, String name) {
        long address = t.handle();
        if (name == null) {
            NAMES.remove(address);
            return;
        }
        if (NAMES.size() > 1024) {
            purge();
        }
        NAMES.put(address, new Entry(new WeakReference<>(t), name));
    }

    /** The name of the native tensor at {@code address}, or null. */
    static String get(long address) {
        Entry e = NAMES.get(address);
        if (e == null) {
            return null;
        }
        if (!valid(e, address)) {
            NAMES.remove(address, e);
            return null;
        }
        return e.name;
    }

    private static boolean valid(Entry e, long address) {
        Tensor owner = e.owner.get();
        return owner != null && !owner.isClosed() && owner.handle() == address;
    }

    private static void purge() {
        NAMES.entrySet().removeIf(en -> !valid(en.getValue(), en.getKey()));
    }
}
