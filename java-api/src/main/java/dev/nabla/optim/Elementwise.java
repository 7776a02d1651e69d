package dev.nabla.optim;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Element loops for the few updates that need a comparison (maximum, clamp), which the op set does not
 * have yet. They read and write through {@link Tensor#data()}: exact, but they do not bump versions.
 * Replace with {@code maximum}/{@code clamp} ops once those exist.
 */
final class Elementwise {
    private Elementwise() {}

    /** {@code dst = maximum(dst, src)} elementwise, NaN propagating like {@code torch.maximum}; same shape. */
    static void maximumInPlace(Tensor dst, Tensor src) {
        if (!dst.shape().equals(src.shape()) || dst.dtype() != src.dtype() || !dst.isContiguous()) {
            throw new IllegalArgumentException("maximumInPlace: needs a contiguous destination of the source's"
                    + " shape and dtype, got " + dst.shape() + " " + dst.dtype() + " and " + src.shape() + " " + src.dtype());
        }
        Tensor s = src.isContiguous() ? src : src.contiguous();
        MemorySegment d = dst.data();
        MemorySegment v = s.data();
        long n = dst.numel();
        switch (dst.dtype()) {
            case FLOAT32 -> {
                for (long i = 0; i < n; i++) {
                    float a = d.getAtIndex(JAVA_FLOAT, i);
                    float b = v.getAtIndex(JAVA_FLOAT, i);
                    d.setAtIndex(JAVA_FLOAT, i, (a != a || b != b) ? Float.NaN : Math.max(a, b));
                }
            }
            case FLOAT64 -> {
                for (long i = 0; i < n; i++) {
                    double a = d.getAtIndex(JAVA_DOUBLE, i);
                    double b = v.getAtIndex(JAVA_DOUBLE, i);
                    d.setAtIndex(JAVA_DOUBLE, i, (a != a || b != b) ? Double.NaN : Math.max(a, b));
                }
            }
            default -> throw unsupported("maximumInPlace", dst.dtype());
        }
    }

    /**
     * {@code t.clamp_(lo, hi)} elementwise (NaN stays NaN, like {@code torch.clamp}); writes back through a
     * contiguous copy when {@code t} is a strided view.
     */
    static void clampInPlace(Tensor t, double lo, double hi) {
        Tensor c = t.isContiguous() ? t : t.contiguous();
        MemorySegment d = c.data();
        long n = c.numel();
        switch (c.dtype()) {
            case FLOAT32 -> {
                float l = (float) lo;
                float h = (float) hi;
                for (long i = 0; i < n; i++) {
                    float a = d.getAtIndex(JAVA_FLOAT, i);
                    d.setAtIndex(JAVA_FLOAT, i, a < l ? l : (a > h ? h : a));
                }
            }
            case FLOAT64 -> {
                for (long i = 0; i < n; i++) {
                    double a = d.getAtIndex(JAVA_DOUBLE, i);
                    d.setAtIndex(JAVA_DOUBLE, i, a < lo ? lo : (a > hi ? hi : a));
                }
            }
            default -> throw unsupported("clampInPlace", c.dtype());
        }
        if (c != t) {
            t.copyInPlace(c);
        }
    }

    /** {@code max(|t|)} over all elements, NaN if any element is NaN; 0 for an empty tensor. */
    static double absMax(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) {
            if (v != v) {
                return Double.NaN;
            }
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static IllegalArgumentException unsupported(String op, DType dtype) {
        return new IllegalArgumentException(op + ": floating-point tensors only, got " + dtype);
    }
}
