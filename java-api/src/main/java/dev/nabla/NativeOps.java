package dev.nabla;

import dev.nabla.bindings.global.nabla;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Internal: the native op registry and the few non-registry native calls, for Nabla's own packages
 * ({@code dev.nabla.nn} and friends) that cannot reach the package-private {@code Ops}. Not part of
 * the supported API: names, arguments and behaviour may change in any release. Use the public
 * functions instead, e.g. {@link dev.nabla.nn.Functional}.
 */
public final class NativeOps {
    private static final ConcurrentHashMap<String, Integer> IDS = new ConcurrentHashMap<>();

    private NativeOps() {}

    /**
     * Calls registry op {@code op} (its name in {@code native/src/ops/*.cpp}) with tensors, numbers and
     * integers in the order that op documents; returns every output. Errors are thrown as by any op.
     */
    public static Tensor[] call(String op, Tensor[] in, double[] f, long[] i) {
        int id = IDS.computeIfAbsent(op, Ops::id);
        return Ops.call(id, in, f, i);
    }

    /**
     * Inverted dropout through {@code nb_tensor_dropout} with {@code generator}, or with the default
     * generator when it is null. See {@link dev.nabla.nn.Functional#dropout(Tensor, double, boolean, Generator)}.
     */
    public static Tensor dropout(Tensor input, double p, boolean training, Generator generator) {
        Generator g = generator == null ? Generator.defaultGenerator() : generator;
        ThreadState s = ThreadState.get();
        long h = input.handle();
        long st;
        synchronized (g) {
            st = nabla.nb_tensor_dropout(s.flags, g.handle("dropout"), h, p, training ? 1 : 0, s.out);
        }
        java.lang.ref.Reference.reachabilityFence(input); // Note [reachability] in Tensor
        if (st != 0) {
            throw Status.raise(st);
        }
        return Tensor.wrap(s.outHandle(), s);
    }
}
