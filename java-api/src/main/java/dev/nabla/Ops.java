package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.global.nabla;
import java.lang.ref.Reference;

/**
 * Calls into the native op registry ({@code nb_op_call}): every op without a C function of its own.
 * Arguments go through the thread's reusable native slots, so a call allocates only its results.
 *
 * <p>Usage from {@link Tensor}: {@code private static final int EXP = Ops.id("exp");} then
 * {@code return Ops.call(EXP, this);}.
 */
final class Ops {
    private static final Tensor[] NO_TENSORS = {};
    private static final double[] NO_NUMBERS = {};
    private static final long[] NO_INTS = {};

    private Ops() {}

    /** The registry id of a native op; a missing op is a packaging bug, reported at class load. */
    static int id(String name) {
        ThreadState.get(); // loads the native library
        int id = nabla.nb_op_find(name);
        if (id < 0) {
            throw new IllegalStateException("Nabla: the native library has no op '" + name
                    + "'; the nabla and nabla-bindings jars are of different versions");
        }
        return id;
    }

    /** Names of every registered op (for tests and tools). */
    static String[] names() {
        ThreadState.get();
        String[] names = new String[nabla.nb_op_count()];
        for (int i = 0; i < names.length; i++) {
            names[i] = nabla.nb_op_name(i);
        }
        return names;
    }

    static boolean isDifferentiable(String name) {
        return nabla.nb_op_is_differentiable(id(name)) != 0;
    }

    static Tensor call(int id, Tensor a) {
        return call(id, new Tensor[] {a}, NO_NUMBERS, NO_INTS)[0];
    }

    static Tensor call(int id, Tensor a, double... numbers) {
        return call(id, new Tensor[] {a}, numbers, NO_INTS)[0];
    }

    static Tensor call(int id, Tensor a, long... ints) {
        return call(id, new Tensor[] {a}, NO_NUMBERS, ints)[0];
    }

    static Tensor call(int id, Tensor a, Tensor b) {
        return call(id, new Tensor[] {a, b}, NO_NUMBERS, NO_INTS)[0];
    }

    /** The general form: tensors, numbers and integers in; every output the op returns. */
    static Tensor[] call(int id, Tensor[] inputs, double[] numbers, long[] ints) {
        ThreadState s = ThreadState.get();
        if (inputs.length > ThreadState.MAX_OP_TENSORS || numbers.length > ThreadState.MAX_OP_NUMBERS
                || ints.length > ThreadState.MAX_DIMS) {
            throw new IllegalArgumentException(nabla.nb_op_name(id) + ": too many arguments ("
                    + inputs.length + " tensors, " + numbers.length + " numbers, " + ints.length + " integers)");
        }
        for (int k = 0; k < inputs.length; k++) {
            s.opInputsView.setAtIndex(JAVA_LONG, k, inputs[k].handle());
        }
        for (int k = 0; k < numbers.length; k++) {
            s.opNumbersView.setAtIndex(JAVA_DOUBLE, k, numbers[k]);
        }
        for (int k = 0; k < ints.length; k++) {
            s.opIntsView.setAtIndex(JAVA_LONG, k, ints[k]);
        }
        long status = nabla.nb_op_call(s.flags, id, s.opInputs, inputs.length, s.opNumbers, numbers.length,
                s.opInts, ints.length, s.opOutputs, ThreadState.MAX_OP_TENSORS, s.opCount);
        Reference.reachabilityFence(inputs); // the inputs stay alive through the call (Note [reachability], Tensor)
        if (status != 0) {
            throw Status.raise(status);
        }
        int n = s.opCountView.get(JAVA_INT, 0);
        Tensor[] out = n == 0 ? NO_TENSORS : new Tensor[n];
        for (int k = 0; k < n; k++) {
            out[k] = Tensor.wrap(s.opOutputsView.getAtIndex(JAVA_LONG, k), s);
        }
        return out;
    }
}
