package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nabla.bindings.NativeLibrary;
import dev.nabla.bindings.global.nabla;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * An n-dimensional array that records the operations applied to it, with PyTorch semantics:
 *
 * <pre>{@code
 * Tensor x = Tensor.ones(2, 2).requiresGrad(true);
 * Tensor out = x.add(2).pow(2).mul(3).mean();
 * out.backward();
 * System.out.println(x.grad());   // tensor([[4.5000, 4.5000],
 *                                 //         [4.5000, 4.5000]])
 * }</pre>
 *
 * <p>A {@code Tensor} holds one reference to a native tensor. Its values change only through the
 * methods named {@code ...InPlace}; version counters make misuse fail at {@link #backward()}.
 *
 * <p>Lifetime: {@link #close()} frees the native reference exactly once; any later use throws
 * {@link IllegalStateException} ("... tensor is closed"). A tensor created while a {@link TensorScope}
 * is open on the thread belongs to that scope and is closed with it. A tensor created outside any scope
 * is freed by {@code close()}, or by a safety net ({@link SafetyNet}, a lock-free Cleaner) once it is unreachable.
 *
 * <p>Not thread-safe: share a tensor between threads only with external synchronization, and never close
 * it while another thread uses it.
 */
public final class Tensor implements AutoCloseable, TensorMath, TensorReductions, TensorShaping {
    static {
        NativeLibrary.load();
    }

    /** For the few other native objects (generators); tensors use {@link SafetyNet}. */
    static final Cleaner CLEANER = Cleaner.create();

    private static final long[] SCALAR_SHAPE = {};

    /** The native {@code nb_tensor*}; 0 once closed. */
    private long handle;
    /** The owning scope, or null when this tensor is freed by close() or the safety net. */
    TensorScope scope;
    /** The safety net's registration ({@link SafetyNet}), for a tensor outside every scope. */
    private SafetyNet.Ref ref;
    /** Rarely used state, made on first need so that an op's result stays a small object. */
    private Extras extras;

    private static final class Extras {
        /** Made by data(); closed before the handle is freed, which ends every segment it gave out. */
        Arena arena;
        MemorySegment data;
        Shape shape;
        /** The wrapper grad() returned last, and the native identity of that gradient. */
        Tensor gradCache;
        long gradCacheId;
    }

    private Extras extras() {
        Extras e = extras;
        if (e == null) {
            e = new Extras();
            extras = e;
        }
        return e;
    }

    /** Takes ownership of one native reference, registering it with the thread's scope or the safety net. */
    private Tensor(long handle, ThreadState s) {
        this.handle = handle;
        TensorScope sc = s.scope;
        if (sc != null) {
            scope = sc;
            sc.add(this);
        } else {
            ref = SafetyNet.register(this, handle, s.registry);
        }
        if ((s.flags & nabla.NB_ANOMALY) != 0) {
            Autograd.recordForwardTrace(handle); // anomaly mode only; see Autograd.detectAnomaly
        }
    }

    /** Wraps one native reference a call handed over (used by {@link Ops}). */
    static Tensor wrap(long handle, ThreadState s) {
        return new Tensor(handle, s);
    }

    /** Throws the status if any, else wraps the handle the call wrote to the out slot. */
    private static Tensor result(long status, ThreadState s) {
        if (status != 0) {
            throw Status.raise(status);
        }
        return new Tensor(s.outHandle(), s);
    }

    /*
     * Note [reachability]: a handle crosses to native code as a long, which keeps no Tensor alive. Once
     * the JIT sees no later use of an operand (a temporary, as x.mul(y) in x.mul(y).sum()), a GC during
     * the native call could let the safety net free the native tensor the call is still reading. So every
     * method that passes handles fences the tensors they came from after the call: the overloads of
     * result below, and Reference.reachabilityFence where a method returns something else.
     */

    private static Tensor result(long status, ThreadState s, Object a) {
        Reference.reachabilityFence(a);
        return result(status, s);
    }

    private static Tensor result(long status, ThreadState s, Object a, Object b) {
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        return result(status, s);
    }

    /** The live handle, or throws for a closed tensor. */
    long handle() {
        long h = handle;
        if (h == 0) {
            throw closed("");
        }
        return h;
    }

    void checkOpen(String op) {
        if (handle == 0) {
            throw closed(op);
        }
    }

    private static IllegalStateException closed(String op) {
        return new IllegalStateException((op.isEmpty() ? "" : op + ": ")
                + "the tensor is closed (closed explicitly or by its TensorScope); "
                + "keep it with TensorScope.keep or create it outside the scope");
    }

    /** Moves ownership to {@code target}, or to the safety net when {@code target} is null. */
    void moveTo(TensorScope target) {
        scope = target;
        if (target != null) {
            target.add(this);
        } else if (ref == null) {
            ref = SafetyNet.register(this, handle, ThreadState.get().registry);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Creation

    /** Zeros of this shape, float32 (like {@code torch.zeros}). */
    public static Tensor zeros(long... shape) {
        return full(0.0, DType.FLOAT32, shape);
    }

    /** Zeros of this shape and dtype. */
    public static Tensor zeros(DType dtype, long... shape) {
        return full(0.0, dtype, shape);
    }

    /** Ones of this shape, float32 (like {@code torch.ones}). */
    public static Tensor ones(long... shape) {
        return full(1.0, DType.FLOAT32, shape);
    }

    /** Ones of this shape and dtype. */
    public static Tensor ones(DType dtype, long... shape) {
        return full(1.0, dtype, shape);
    }

    /** {@code value} everywhere, float32 (like {@code torch.full(shape, value)}). */
    public static Tensor full(double value, long... shape) {
        return full(value, DType.FLOAT32, shape);
    }

    /** {@code value} everywhere, of this dtype. */
    public static Tensor full(double value, DType dtype, long... shape) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_full(dtype.code(), s.dims("full", shape), shape.length, value, s.out), s);
    }

    /** A 0-d float32 tensor (like {@code torch.tensor(3.0)}). */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT32, SCALAR_SHAPE);
    }

    /** A float32 tensor holding a copy of {@code data}; without a shape it is 1-d. */
    public static Tensor of(float[] data, long... shape) {
        Tensor t = empty(DType.FLOAT32, data.length, shape);
        MemorySegment.copy(data, 0, t.unboundData(4L * data.length), JAVA_FLOAT, 0, data.length);
        return t;
    }

    /** A float64 tensor holding a copy of {@code data}; without a shape it is 1-d. */
    public static Tensor of(double[] data, long... shape) {
        Tensor t = empty(DType.FLOAT64, data.length, shape);
        MemorySegment.copy(data, 0, t.unboundData(8L * data.length), JAVA_DOUBLE, 0, data.length);
        return t;
    }

    /** A 2-d float32 tensor from equal-length rows. */
    public static Tensor of(float[][] rows) {
        int cols = columns(rows);
        float[] flat = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return of(flat, rows.length, cols);
    }

    /** A 2-d float64 tensor from equal-length rows. */
    public static Tensor of(double[][] rows) {
        int cols = columns(rows);
        double[] flat = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return of(flat, rows.length, cols);
    }

    private static int columns(Object[] rows) {
        int cols = rows.length == 0 ? 0 : java.lang.reflect.Array.getLength(rows[0]);
        for (int i = 0; i < rows.length; i++) {
            int n = java.lang.reflect.Array.getLength(rows[i]);
            if (n != cols) {
                throw new ShapeMismatchException(
                        "of: row " + i + " has " + n + " values but row 0 has " + cols + "; rows must have equal length");
            }
        }
        return cols;
    }

    private static Tensor empty(DType dtype, int count, long[] shape) {
        long[] dims = shape.length == 0 ? new long[] {count} : shape;
        long numel = 1;
        for (long d : dims) {
            numel *= d;
        }
        if (numel != count) {
            throw new ShapeMismatchException("of: " + count + " values do not fill shape " + Shape.of(dims)
                    + " (" + numel + " elements)");
        }
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_empty(dtype.code(), s.dims("of", dims), dims.length, s.out), s);
    }

    /** {@code 0, 1, ..., end-1} as float32 (like {@code torch.arange(5.0)}). */
    public static Tensor arange(double end) {
        return arange(0, end, 1, DType.FLOAT32);
    }

    /** {@code start, start+step, ...} below {@code end}, float32 (like {@code torch.arange(start, end, step)}). */
    public static Tensor arange(double start, double end, double step) {
        return arange(start, end, step, DType.FLOAT32);
    }

    /** {@code start, start+step, ...} below {@code end}, of this dtype. */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_arange(dtype.code(), start, end, step, s.out), s);
    }

    /** Standard normal float32 samples from the default generator (like {@code torch.randn}). */
    public static Tensor randn(long... shape) {
        return randn(Generator.defaultGenerator(), DType.FLOAT32, shape);
    }

    /** Standard normal samples from {@code generator}. */
    public static Tensor randn(Generator generator, DType dtype, long... shape) {
        ThreadState s = ThreadState.get();
        long st;
        synchronized (generator) {
            st = nabla.nb_tensor_randn(generator.handle("randn"), dtype.code(), s.dims("randn", shape), shape.length, s.out);
        }
        return result(st, s);
    }

    /** Uniform float32 samples in [0, 1) from the default generator (like {@code torch.rand}). */
    public static Tensor rand(long... shape) {
        return rand(Generator.defaultGenerator(), DType.FLOAT32, shape);
    }

    /** Uniform samples in [0, 1) from {@code generator}. */
    public static Tensor rand(Generator generator, DType dtype, long... shape) {
        ThreadState s = ThreadState.get();
        long st;
        synchronized (generator) {
            st = nabla.nb_tensor_rand(generator.handle("rand"), dtype.code(), s.dims("rand", shape), shape.length, s.out);
        }
        return result(st, s);
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /** The shape (like {@code .shape}). */
    public Shape shape() {
        long h = handle();
        Extras e = extras();
        Shape sh = e.shape;
        if (sh == null) {
            ThreadState s = ThreadState.get();
            int n = nabla.nb_tensor_shape(h, s.dimsOut(), ThreadState.MAX_DIMS);
            Reference.reachabilityFence(this);
            sh = new Shape(s.readDims(n));
            e.shape = sh;
        }
        return sh;
    }

    /** The size of one dimension (like {@code .size(dim)}); negative dims count from the end. */
    public long size(int dim) {
        return shape().size(dim);
    }

    /** The number of dimensions (like {@code .dim()}). */
    public int dim() {
        try {
            return nabla.nb_tensor_ndim(handle());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The number of elements (like {@code .numel()}). */
    public long numel() {
        try {
            return nabla.nb_tensor_numel(handle());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The element type (like {@code .dtype}). */
    public DType dtype() {
        try {
            return DType.of(nabla.nb_tensor_dtype(handle()));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether the elements are laid out row-major without gaps (like {@code .is_contiguous()}). */
    public boolean isContiguous() {
        try {
            return nabla.nb_tensor_is_contiguous(handle()) != 0;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether gradients are recorded for this tensor (like {@code .requires_grad}). */
    public boolean requiresGrad() {
        try {
            return nabla.nb_tensor_requires_grad(handle()) != 0;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Sets {@code requires_grad} on a leaf, like {@code requires_grad_()}; returns this. */
    public Tensor requiresGrad(boolean requiresGrad) {
        Status.check(nabla.nb_tensor_set_requires_grad(handle(), requiresGrad ? 1 : 0));
        return this;
    }

    /** Whether this tensor is a leaf of the graph (like {@code .is_leaf}). */
    public boolean isLeaf() {
        try {
            return nabla.nb_tensor_is_leaf(handle()) != 0;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The name of the node that made this tensor, e.g. {@code "AddBackward0"}, or null for a leaf (like {@code .grad_fn}). */
    public String gradFn() {
        try {
            return nabla.nb_tensor_grad_fn_name(handle());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The accumulated gradient, or null (like {@code .grad}). Repeated calls return the same
     * {@code Tensor} while the gradient stays the same native tensor. The returned tensor follows the
     * usual rules: it belongs to the scope open when it was first returned, and when that scope has
     * closed the next call returns a fresh wrapper.
     */
    public Tensor grad() {
        long h = handle();
        long id = nabla.nb_tensor_grad_id(h);
        if (id == 0) {
            return null;
        }
        Extras e = extras();
        Tensor g = e.gradCache;
        if (g != null && e.gradCacheId == id && g.handle != 0) {
            return g;
        }
        long gh = nabla.nb_tensor_grad(h);
        Reference.reachabilityFence(this);
        if (gh == 0) {
            return null;
        }
        g = new Tensor(gh, ThreadState.get());
        e.gradCache = g;
        e.gradCacheId = id;
        return g;
    }

    /** Keeps {@code .grad} for a non-leaf after backward (like {@code retain_grad()}). */
    public void retainGrad() {
        Status.check(nabla.nb_tensor_retain_grad(handle()));
        Reference.reachabilityFence(this);
    }

    /** The version counter of the storage; in-place ops bump it (like {@code ._version}). */
    public long version() {
        try {
            return nabla.nb_tensor_version(handle());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The value of a one-element tensor (like {@code .item()}). */
    public double item() {
        long h = handle();
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_item(h, s.scalar));
        Reference.reachabilityFence(this);
        return s.scalarValue();
    }

    /**
     * The elements of this contiguous tensor, without a copy, in native byte order; read with
     * {@code ValueLayout.JAVA_FLOAT} etc. for its {@link #dtype()}. Writes change the tensor's values
     * without bumping its version (like writing through {@code .data}). The segment's lifetime ends
     * when this tensor closes: access after that throws {@link IllegalStateException}.
     *
     * @throws IllegalStateException for a non-contiguous tensor: call {@link #contiguous()} first
     */
    public MemorySegment data() {
        long h = handle();
        if (nabla.nb_tensor_is_contiguous(h) == 0) {
            throw new IllegalStateException("data: the tensor of shape " + shape()
                    + " is not contiguous (a transposed or expanded view); call contiguous() first");
        }
        return rawData();
    }

    /** The data segment; the tensor is known to be contiguous. */
    private MemorySegment rawData() {
        long h = handle();
        Extras e = extras();
        MemorySegment seg = e.data;
        if (seg == null) {
            long bytes = nabla.nb_tensor_numel(h) * DType.of(nabla.nb_tensor_dtype(h)).byteSize();
            e.arena = Arena.ofShared();
            // The cleanup action captures this tensor, so a reachable segment keeps it from the safety net.
            seg = MemorySegment.ofAddress(checked(nabla.nb_tensor_data(h))).reinterpret(bytes, e.arena, unused -> keepAlive(this));
            e.data = seg;
        }
        return seg;
    }

    /**
     * The elements as a segment with no lifetime; only for use inside this class while the tensor is open,
     * and before the next native call (a copy in or out), which is what lets later ops still be deferred.
     */
    private MemorySegment unboundData(long bytes) {
        return MemorySegment.ofAddress(address(handle())).reinterpret(bytes);
    }

    /**
     * The address of a tensor's elements for a copy in or out ({@code nb_tensor_data_now}): its values are
     * computed first when they were deferred.
     */
    static long address(long h) {
        return checked(nabla.nb_tensor_data_now(h));
    }

    /** The native side answers 0 only when computing deferred values failed its own consistency check. */
    private static long checked(long address) {
        if (address == 0) {
            throw new IllegalStateException("the tensor's deferred values could not be computed (an internal error)");
        }
        return address;
    }

    private static void keepAlive(Object o) {
        Reference.reachabilityFence(o);
    }

    /** A copy of the elements in row-major order, converted to float. Works for any layout. */
    public float[] toFloatArray() {
        long c = rawContiguous(DType.FLOAT32);
        try {
            int n = Math.toIntExact(nabla.nb_tensor_numel(c));
            float[] out = new float[n];
            MemorySegment.copy(MemorySegment.ofAddress(address(c)).reinterpret(4L * n), JAVA_FLOAT, 0, out, 0, n);
            return out;
        } finally {
            nabla.nb_tensor_free(c);
        }
    }

    /** A copy of the elements in row-major order, converted to double. Works for any layout. */
    public double[] toDoubleArray() {
        long c = rawContiguous(DType.FLOAT64);
        try {
            int n = Math.toIntExact(nabla.nb_tensor_numel(c));
            double[] out = new double[n];
            MemorySegment.copy(MemorySegment.ofAddress(address(c)).reinterpret(8L * n), JAVA_DOUBLE, 0, out, 0, n);
            return out;
        } finally {
            nabla.nb_tensor_free(c);
        }
    }

    /**
     * A new native reference to a contiguous tensor of {@code dtype} with this tensor's values, made
     * without recording a graph; the caller frees it with {@code nb_tensor_free}.
     */
    long rawContiguous(DType dtype) {
        long h = handle();
        ThreadState s = ThreadState.get();
        long cur = h;
        boolean owned = false;
        if (nabla.nb_tensor_dtype(h) != dtype.code()) {
            Status.check(nabla.nb_tensor_to_dtype(0, h, dtype.code(), s.out));
            cur = s.outHandle();
            owned = true;
        }
        long st = nabla.nb_tensor_contiguous(0, cur, s.out);
        Reference.reachabilityFence(this);
        if (owned) {
            nabla.nb_tensor_free(cur);
        }
        Status.check(st);
        return s.outHandle();
    }

    // ---------------------------------------------------------------------------------------------
    // Ops: each returns a new tensor and, in grad mode, records a node when an input requires grad.

    /** {@code this + other}, broadcasting (like {@code torch.add}). */
    public Tensor add(Tensor other) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_add(s.flags, handle(), other.handle(), s.out), s, this, other);
    }

    /** {@code this + value}. */
    public Tensor add(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_add_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code this - other}, broadcasting (like {@code torch.sub}). */
    public Tensor sub(Tensor other) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_sub(s.flags, handle(), other.handle(), s.out), s, this, other);
    }

    /** {@code this - value}. */
    public Tensor sub(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_sub_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code value - this} (like {@code value - t} in Python, {@code torch.rsub}). */
    public Tensor rsub(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_rsub_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code this * other}, broadcasting (like {@code torch.mul}). */
    public Tensor mul(Tensor other) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_mul(s.flags, handle(), other.handle(), s.out), s, this, other);
    }

    /** {@code this * value}. */
    public Tensor mul(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_mul_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code this / other}, broadcasting (like {@code torch.div}). */
    public Tensor div(Tensor other) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_div(s.flags, handle(), other.handle(), s.out), s, this, other);
    }

    /** {@code this / value}. */
    public Tensor div(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_div_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code value / this} (like {@code value / t} in Python). */
    public Tensor rdiv(double value) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_rdiv_scalar(s.flags, handle(), value, s.out), s, this);
    }

    /** {@code -this} (like {@code torch.neg}). */
    public Tensor neg() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_neg(s.flags, handle(), s.out), s, this);
    }

    /** {@code this ^ exponent} elementwise (like {@code torch.pow} with a number). */
    public Tensor pow(double exponent) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_pow_scalar(s.flags, handle(), exponent, s.out), s, this);
    }

    /** The sum of all elements, a 0-d tensor (like {@code torch.sum}). */
    public Tensor sum() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_sum(s.flags, handle(), s.out), s, this);
    }

    /** The sum over {@code dim} (negative counts from the end), kept as size 1 when {@code keepDim}. */
    public Tensor sum(int dim, boolean keepDim) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_sum_dims(s.flags, h, s.dim("sum", dim), 1, keepDim ? 1 : 0, s.out), s, this);
    }

    /** The sum over {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor sum(int[] dims, boolean keepDim) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_sum_dims(s.flags, h, s.dims("sum", dims), dims.length, keepDim ? 1 : 0, s.out), s, this);
    }

    /** The mean of all elements, a 0-d tensor (like {@code torch.mean}). */
    public Tensor mean() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_mean(s.flags, handle(), s.out), s, this);
    }

    /** The mean over {@code dim}, kept as size 1 when {@code keepDim}. */
    public Tensor mean(int dim, boolean keepDim) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_mean_dims(s.flags, h, s.dim("mean", dim), 1, keepDim ? 1 : 0, s.out), s, this);
    }

    /** The mean over {@code dims}, kept as size 1 when {@code keepDim}. */
    public Tensor mean(int[] dims, boolean keepDim) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_mean_dims(s.flags, h, s.dims("mean", dims), dims.length, keepDim ? 1 : 0, s.out), s, this);
    }

    /** The same elements in a new shape; a view when the strides allow, else a copy. One size may be -1. */
    public Tensor reshape(long... shape) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_reshape(s.flags, h, s.dims("reshape", shape), shape.length, s.out), s, this);
    }

    /** A view in a new shape (like {@code .view}); fails when the strides do not allow one. */
    public Tensor view(long... shape) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_view(s.flags, h, s.dims("view", shape), shape.length, s.out), s, this);
    }

    /** A view with dims {@code dim0} and {@code dim1} swapped (like {@code torch.transpose}). */
    public Tensor transpose(int dim0, int dim1) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_transpose(s.flags, handle(), dim0, dim1, s.out), s, this);
    }

    /** The transpose of a 2-d tensor; a 0-d or 1-d tensor comes back unchanged, as a view (like {@code .t()}). */
    public Tensor t() {
        int n = dim();
        if (n > 2) {
            throw new IllegalArgumentException("t: expects a tensor with <= 2 dimensions, but got shape " + shape()
                    + "; use transpose(dim0, dim1)");
        }
        return transpose(0, n < 2 ? 0 : 1); // like ATen: a 0-d or 1-d tensor comes back as a view of itself
    }

    /** A view broadcasting size-1 dims to {@code shape}; -1 keeps a size (like {@code .expand}). */
    public Tensor expand(long... shape) {
        ThreadState s = ThreadState.get();
        long h = handle();
        return result(nabla.nb_tensor_expand(s.flags, h, s.dims("expand", shape), shape.length, s.out), s, this);
    }

    /** A row-major tensor with these values: a copy, or this tensor's storage when it already is one. */
    public Tensor contiguous() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_contiguous(s.flags, handle(), s.out), s, this);
    }

    /** A copy with its own storage (like {@code .clone()}). */
    public Tensor clone() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_clone(s.flags, handle(), s.out), s, this);
    }

    /** Converts to {@code dtype} (like {@code .to(dtype)}); differentiable between float dtypes. */
    public Tensor to(DType dtype) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_to_dtype(s.flags, handle(), dtype.code(), s.out), s, this);
    }

    /** Matrix product, with 1-d operands as in {@code torch.matmul}. */
    public Tensor matmul(Tensor other) {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_matmul(s.flags, handle(), other.handle(), s.out), s, this, other);
    }

    /** The same storage cut from the graph: no grad_fn, does not require grad (like {@code .detach()}). */
    public Tensor detach() {
        ThreadState s = ThreadState.get();
        return result(nabla.nb_tensor_detach(handle(), s.out), s, this);
    }

    // ---------------------------------------------------------------------------------------------
    // Autograd

    /** Computes the gradient of this scalar with respect to the leaves (like {@code .backward()}). */
    public void backward() {
        backward(null, false, false);
    }

    /** Backward with {@code gradient} as d(something)/d(this), for non-scalar tensors. */
    public void backward(Tensor gradient) {
        backward(gradient, false, false);
    }

    /**
     * Backward, like {@code backward(gradient, retain_graph, create_graph)}. Without
     * {@code retainGraph} the graph's saved tensors are freed, and a second backward through it fails.
     * With {@code createGraph} the gradient computation is itself recorded (for higher-order gradients).
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        ThreadState s = ThreadState.get();
        long h = handle();
        long g = gradient == null ? 0 : gradient.handle();
        int flags = (s.flags & nabla.NB_ANOMALY) | (createGraph ? nabla.NB_GRAD : 0);
        try {
            Callbacks.check(nabla.nb_tensor_backward(flags, h, g, retainGraph ? 1 : 0, createGraph ? 1 : 0));
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(gradient);
        }
    }

    /** Sets {@code .grad} to null, the PyTorch 2 default of {@code zero_grad()}. */
    public void zeroGrad() {
        zeroGrad(true);
    }

    /** Sets {@code .grad} to null, or with {@code setToNone == false} fills it with zeros in place. */
    public void zeroGrad(boolean setToNone) {
        long h = handle();
        if (setToNone) {
            Status.check(nabla.nb_tensor_set_grad(h, 0));
            if (extras != null) {
                extras.gradCache = null;
                extras.gradCacheId = 0;
            }
        } else if (nabla.nb_tensor_grad_id(h) != 0) {
            long g = nabla.nb_tensor_grad(h);
            try {
                Status.check(nabla.nb_tensor_fill_(0, g, 0.0));
            } finally {
                nabla.nb_tensor_free(g);
            }
        }
        Reference.reachabilityFence(this);
    }

    // ---------------------------------------------------------------------------------------------
    // In-place: change this tensor's values and bump its version. Each fails for a leaf that requires
    // grad while grad mode is on, as in PyTorch; use them inside GradMode.noGrad() for updates.

    /** {@code this += other}, like torch {@code add_}; returns this. */
    public Tensor addInPlace(Tensor other) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_add_(s.flags, handle(), other.handle()));
        Reference.reachabilityFence(other);
        return this;
    }

    /** {@code this += alpha * other} without a temporary, like torch {@code add_(other, alpha=alpha)}; returns this. */
    public Tensor addInPlace(Tensor other, double alpha) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_add_scaled_(s.flags, handle(), other.handle(), alpha));
        Reference.reachabilityFence(other);
        return this;
    }

    /** {@code this += value}, like torch {@code add_}; returns this. */
    public Tensor addInPlace(double value) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_add_scalar_(s.flags, handle(), value));
        return this;
    }

    /** {@code this -= other}, like torch {@code sub_}; returns this. */
    public Tensor subInPlace(Tensor other) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_sub_(s.flags, handle(), other.handle()));
        Reference.reachabilityFence(other);
        return this;
    }

    /** {@code this -= value}, like torch {@code sub_}; returns this. */
    public Tensor subInPlace(double value) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_add_scalar_(s.flags, handle(), -value));
        return this;
    }

    /** {@code this *= other}, like torch {@code mul_}; returns this. */
    public Tensor mulInPlace(Tensor other) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_mul_(s.flags, handle(), other.handle()));
        Reference.reachabilityFence(other);
        return this;
    }

    /** {@code this *= value}, like torch {@code mul_}; returns this. */
    public Tensor mulInPlace(double value) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_mul_scalar_(s.flags, handle(), value));
        return this;
    }

    /** Fills with zeros, like torch {@code zero_}; returns this. */
    public Tensor zeroInPlace() {
        return fillInPlace(0.0);
    }

    /** Fills with {@code value}, like torch {@code fill_}; returns this. */
    public Tensor fillInPlace(double value) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_fill_(s.flags, handle(), value));
        return this;
    }

    /** Copies {@code src} into this tensor, broadcasting and converting dtype, like torch {@code copy_}; returns this. */
    public Tensor copyInPlace(Tensor src) {
        ThreadState s = ThreadState.get();
        Status.check(nabla.nb_tensor_copy_(s.flags, handle(), src.handle()));
        Reference.reachabilityFence(src);
        return this;
    }

    // ---------------------------------------------------------------------------------------------
    // Lifetime

    /** Whether {@link #close()} has run (explicitly or through a scope). */
    public boolean isClosed() {
        return handle == 0;
    }

    /** Frees the native reference; closing again does nothing. Later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        long h = handle;
        if (h == 0) {
            return;
        }
        handle = 0;
        Extras e = extras;
        if (e != null) {
            extras = null;
            if (e.arena != null) {
                e.arena.close(); // ends every segment data() gave out, before the memory can go
            }
        }
        if (scope != null) {
            scope.forget(this);
        }
        SafetyNet.Ref r = ref;
        if (r != null) {
            ref = null;
            SafetyNet.release(r); // the net will not free h now
        }
        nabla.nb_tensor_free(h);
        Reference.reachabilityFence(this); // reachable until released: see SafetyNet
    }

    /** Prints like PyTorch, e.g. {@code tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)}. */
    @Override
    public String toString() {
        if (handle == 0) {
            return "tensor(<closed>)";
        }
        return TensorFormatter.format(this);
    }

    // ---- shape and indexing ----

    /**
     * The tensors joined along {@code dim}, which they must agree on apart from its size (like
     * {@code torch.cat(tensors, dim)}). Mixed dtypes promote (float64 over float32 over int64 over bool);
     * 1-d empty tensors are skipped, as in PyTorch. Each input's gradient is its stretch of the result's.
     * Fails for an empty list, mismatched shapes ({@link ShapeMismatchException}) or 0-d inputs.
     */
    public static Tensor cat(int dim, Tensor... tensors) {
        return ShapeOps.join(ShapeOps.CAT, dim, tensors);
    }

    /** {@link #cat(int, Tensor...)} over a list. */
    public static Tensor cat(int dim, java.util.List<Tensor> tensors) {
        return ShapeOps.join(ShapeOps.CAT, dim, tensors);
    }

    /**
     * The tensors, which must have one shape, stacked along a new dim {@code dim} in {@code [-dim()-1, dim()]}
     * (like {@code torch.stack(tensors, dim)}). Fails for an empty list or differing shapes.
     */
    public static Tensor stack(int dim, Tensor... tensors) {
        return ShapeOps.join(ShapeOps.STACK, dim, tensors);
    }

    /** {@link #stack(int, Tensor...)} over a list. */
    public static Tensor stack(int dim, java.util.List<Tensor> tensors) {
        return ShapeOps.join(ShapeOps.STACK, dim, tensors);
    }

    // ---- autograd ----

    /**
     * Registers a hook called with the gradient w.r.t. this tensor each time one is computed (like
     * {@code register_hook}). A non-null return replaces the gradient: for a leaf before it is
     * accumulated into {@code .grad}, for a non-leaf before it flows on. The hook runs with grad mode
     * on only under {@code createGraph}; an exception it throws is rethrown from {@code backward()}.
     *
     * @return a handle whose {@code close()} removes the hook
     * @throws IllegalStateException for a tensor that does not require grad
     */
    public HookHandle registerHook(java.util.function.UnaryOperator<Tensor> hook) {
        long id = Callbacks.register(new Callbacks.Hook(hook));
        long st = nabla.nb_tensor_register_hook(handle(), id);
        Reference.reachabilityFence(this);
        if (st != 0) {
            Callbacks.remove(id);
            throw Status.raise(st);
        }
        return new HookHandle(id);
    }

    /**
     * Registers a hook on a leaf called with the leaf after its {@code .grad} was accumulated in a
     * backward pass (like {@code register_post_accumulate_grad_hook}).
     *
     * @return a handle whose {@code close()} removes the hook
     * @throws IllegalStateException for a non-leaf or a tensor that does not require grad
     */
    public HookHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        long id = Callbacks.register(new Callbacks.PostHook(hook));
        long st = nabla.nb_tensor_register_post_accumulate_grad_hook(handle(), id);
        Reference.reachabilityFence(this);
        if (st != 0) {
            Callbacks.remove(id);
            throw Status.raise(st);
        }
        return new HookHandle(id);
    }

    /**
     * Cuts this tensor from the graph in place, like {@code detach_()}: it becomes a leaf that does
     * not require grad. Returns this.
     *
     * @throws IllegalStateException for a view ("Can't detach views in-place. Use detach() instead.")
     */
    public Tensor detachInPlace() {
        Status.check(nabla.nb_tensor_detach_(handle()));
        return this;
    }

    /** An identity of this tensor's grad_fn node, 0 for a leaf; equal ids mean the same node. */
    long gradFnId() {
        try {
            return nabla.nb_tensor_grad_fn_id(handle());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Wraps one native reference outside every scope: freed by close() or the safety net. */
    static Tensor unscoped(long handle) {
        Tensor t = new Tensor(handle, ThreadState.get());
        if (t.scope != null) {
            t.moveTo(null);
        }
        return t;
    }

    // ---- elementwise ----

    /** An int64 tensor holding a copy of {@code data} (like {@code torch.tensor([...])} of ints); without a shape it is 1-d. */
    public static Tensor of(long[] data, long... shape) {
        Tensor t = empty(DType.INT64, data.length, shape);
        MemorySegment.copy(data, 0, t.unboundData(8L * data.length), java.lang.foreign.ValueLayout.JAVA_LONG, 0, data.length);
        return t;
    }

    /** A bool tensor holding a copy of {@code data} (like {@code torch.tensor([True, ...])}); without a shape it is 1-d. */
    public static Tensor of(boolean[] data, long... shape) {
        Tensor t = empty(DType.BOOL, data.length, shape);
        MemorySegment seg = t.unboundData(data.length);
        for (int i = 0; i < data.length; i++) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, data[i] ? (byte) 1 : (byte) 0);
        }
        return t;
    }

    // ---- reductions, softmax and linear algebra ----

    /**
     * {@code x @ w^T + b} (like {@code torch.nn.functional.linear}): {@code w} is [out_features, in_features]
     * (or 1-d [in_features]), {@code b} broadcasts to the result and may be null. {@code x} may have any
     * leading batch dims. Mismatched features throw {@link ShapeMismatchException}.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        return ReduceOps.linear(x, w, b);
    }

    /** A copy of the elements in row-major order, converted to int64 (floats truncate toward zero, as torch). Works for any layout. */
    public long[] toLongArray() {
        long c = rawContiguous(DType.INT64);
        try {
            int n = Math.toIntExact(nabla.nb_tensor_numel(c));
            long[] out = new long[n];
            MemorySegment.copy(MemorySegment.ofAddress(address(c)).reinterpret(8L * n),
                    java.lang.foreign.ValueLayout.JAVA_LONG, 0, out, 0, n);
            return out;
        } finally {
            nabla.nb_tensor_free(c);
        }
    }

    /** A copy of the elements in row-major order as truthiness (nonzero, NaN included, is true). Works for any layout. */
    public boolean[] toBooleanArray() {
        long c = rawContiguous(DType.BOOL);
        try {
            int n = Math.toIntExact(nabla.nb_tensor_numel(c));
            MemorySegment seg = MemorySegment.ofAddress(address(c)).reinterpret(n);
            boolean[] out = new boolean[n];
            for (int i = 0; i < n; i++) {
                out[i] = seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != 0;
            }
            return out;
        } finally {
            nabla.nb_tensor_free(c);
        }
    }

    /**
     * {@code a} where {@code condition} is true, else {@code b} (like {@code torch.where(condition, a, b)}); all
     * three broadcast, the result has the promoted dtype of {@code a} and {@code b}. Differentiable in {@code a}
     * and {@code b}.
     *
     * @throws IllegalArgumentException when {@code condition} is not a bool tensor
     * @throws ShapeMismatchException when the three shapes do not broadcast
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return MathOps.where(condition, a, b);
    }

    // ---- autograd tools ----

    /**
     * Names this tensor for {@link GraphExport}, which labels leaves with it (like the {@code params}
     * dict of torchviz's {@code make_dot}); null removes the name. The name belongs to the native tensor
     * while this {@code Tensor} is open and reachable, so a graph walk that reaches the tensor finds it.
     * Returns this.
     */
    public Tensor name(String name) {
        TensorNames.set(this, name);
        return this;
    }

    /** The name given with {@link #name(String)}, or null. */
    public String name() {
        return TensorNames.get(handle());
    }
}
