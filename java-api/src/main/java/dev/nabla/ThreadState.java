package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.NativeLibrary;
import dev.nabla.bindings.global.nabla;
import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Per-thread state, held in one {@link ThreadLocal}: the grad-mode flag passed to every native op,
 * the innermost open {@link TensorScope}, and reusable native slots for out-parameters and shapes, so
 * an op call allocates nothing for its arguments. Native writes go to the slots; Java reads them back
 * through {@link MemorySegment} views made once per thread.
 */
final class ThreadState {
    static {
        NativeLibrary.load();
    }

    /** More dims than any tensor needs (PyTorch allows 64). */
    static final int MAX_DIMS = 64;

    private static final ThreadLocal<ThreadState> CURRENT = ThreadLocal.withInitial(ThreadState::new);

    static ThreadState get() {
        return CURRENT.get();
    }

    final Thread owner = Thread.currentThread();
    /** {@code NB_GRAD} when grad mode is on, else 0; passed as {@code flags} on each op. */
    int flags = nabla.NB_GRAD;
    /** The innermost open scope on this thread, or null. */
    TensorScope scope;
    /** This thread's registrations with the safety net (tensors outside every scope). */
    final SafetyNet.Registry registry = new SafetyNet.Registry();

    /** The {@code nb_tensor**} out slot. */
    final PointerPointer<?> out = new PointerPointer<>(1);
    private final MemorySegment outView;
    /** The {@code double*} out slot of item(). */
    final DoublePointer scalar = new DoublePointer(1);
    private final MemorySegment scalarView;
    /** An {@code int64_t[MAX_DIMS]} for shapes and dim lists, in and out. */
    private final LongPointer dims = new LongPointer(MAX_DIMS);
    private final MemorySegment dimsView;

    /** Argument and result slots of {@code nb_op_call}: tensors in and out, numbers, integers, a count. */
    static final int MAX_OP_TENSORS = 256;
    static final int MAX_OP_NUMBERS = 16;
    final PointerPointer<?> opInputs = new PointerPointer<>(MAX_OP_TENSORS);
    final MemorySegment opInputsView;
    final PointerPointer<?> opOutputs = new PointerPointer<>(MAX_OP_TENSORS);
    final MemorySegment opOutputsView;
    final DoublePointer opNumbers = new DoublePointer(MAX_OP_NUMBERS);
    final MemorySegment opNumbersView;
    final LongPointer opInts = new LongPointer(MAX_DIMS);
    final MemorySegment opIntsView;
    final IntPointer opCount = new IntPointer(1);
    final MemorySegment opCountView;

    private ThreadState() {
        opInputsView = MemorySegment.ofAddress(opInputs.address()).reinterpret(8L * MAX_OP_TENSORS);
        opOutputsView = MemorySegment.ofAddress(opOutputs.address()).reinterpret(8L * MAX_OP_TENSORS);
        opNumbersView = MemorySegment.ofAddress(opNumbers.address()).reinterpret(8L * MAX_OP_NUMBERS);
        opIntsView = MemorySegment.ofAddress(opInts.address()).reinterpret(8L * MAX_DIMS);
        opCountView = MemorySegment.ofAddress(opCount.address()).reinterpret(4);
        outView = MemorySegment.ofAddress(out.address()).reinterpret(8);
        scalarView = MemorySegment.ofAddress(scalar.address()).reinterpret(8);
        dimsView = MemorySegment.ofAddress(dims.address()).reinterpret(8L * MAX_DIMS);
    }

    /** The handle the last successful call wrote to {@link #out}. */
    long outHandle() {
        return outView.get(JAVA_LONG, 0);
    }

    double scalarValue() {
        return scalarView.get(JAVA_DOUBLE, 0);
    }

    /** Copies {@code values} into the native dims buffer and returns it. */
    LongPointer dims(String op, long[] values) {
        checkRank(op, values.length);
        for (int i = 0; i < values.length; i++) {
            dimsView.setAtIndex(JAVA_LONG, i, values[i]);
        }
        return dims;
    }

    /** Copies {@code values} into the native dims buffer and returns it. */
    LongPointer dims(String op, int[] values) {
        checkRank(op, values.length);
        for (int i = 0; i < values.length; i++) {
            dimsView.setAtIndex(JAVA_LONG, i, values[i]);
        }
        return dims;
    }

    /** Puts one dim into the native dims buffer and returns it. */
    LongPointer dim(String op, int value) {
        dimsView.setAtIndex(JAVA_LONG, 0, value);
        return dims;
    }

    /** The dims buffer for the native side to fill; read back with {@link #readDims}. */
    LongPointer dimsOut() {
        return dims;
    }

    long[] readDims(int n) {
        long[] result = new long[Math.min(n, MAX_DIMS)];
        for (int i = 0; i < result.length; i++) {
            result[i] = dimsView.getAtIndex(JAVA_LONG, i);
        }
        return result;
    }

    private static void checkRank(String op, int n) {
        if (n > MAX_DIMS) {
            throw new IllegalArgumentException(op + ": " + n + " dims given, at most " + MAX_DIMS + " are supported");
        }
    }
}
