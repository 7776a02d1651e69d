package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.global.nabla;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Tensor#toString()}: PyTorch's {@code torch/_tensor_str.py} with the global {@link PrintOptions}
 * (by default precision 4, threshold 1000, edgeitems 3, linewidth 80). One format is chosen per tensor
 * from its nonzero finite values (of the summarized part when summarizing): integer-valued floats print
 * as {@code 3.}, others with {@code precision} decimals, and scientific notation when the magnitudes span
 * more than 1000x, exceed 1e8, or go below 1e-4 (unless {@code sciMode} forces it on or off). int64 and
 * bool tensors print their values ({@code 3}, {@code True}) right-aligned to a common width. Numbers are
 * rounded half-even from their exact binary value, as Python's {@code format} does.
 */
final class TensorFormatter {
    private static final String PREFIX = "tensor(";

    private TensorFormatter() {}

    static String format(Tensor t) {
        PrintOptions opts = PrintOptions.current();
        long[] dims = t.shape().dims();
        DType dtype = t.dtype();
        long numel = t.numel();
        int indent = PREFIX.length();
        List<String> suffixes = new ArrayList<>();
        String body;
        if (numel == 0) {
            if (dims.length != 1) {
                suffixes.add("size=" + pythonTuple(dims));
            }
            if (dtype != DType.FLOAT32) {
                suffixes.add("dtype=" + dtype.torchName());
            }
            body = "[]";
        } else {
            // float32 is the default dtype; int64 and bool are implied by how their values print.
            if (dtype == DType.FLOAT64) {
                suffixes.add("dtype=" + dtype.torchName());
            }
            Values values = Values.read(t, dtype, Math.toIntExact(numel));
            boolean summarize = numel > opts.threshold();
            Printer p = new Printer(values, dims, summarize, opts);
            body = p.tensorStr(0, 0, indent);
        }
        String gradFn = t.gradFn();
        if (gradFn != null) {
            suffixes.add("grad_fn=<" + gradFn + ">");
        } else if (t.requiresGrad()) {
            suffixes.add("requires_grad=True");
        }
        return addSuffixes(PREFIX + body, suffixes, indent, opts.lineWidth());
    }

    private static String addSuffixes(String tensorStr, List<String> suffixes, int indent, int lineWidth) {
        StringBuilder sb = new StringBuilder(tensorStr);
        int lastLineLen = tensorStr.length() - tensorStr.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLineLen + suffix.length() + 2 > lineWidth) {
                sb.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLen = indent + suffix.length();
            } else {
                sb.append(", ").append(suffix);
                lastLineLen += suffix.length() + 2;
            }
        }
        return sb.append(')').toString();
    }

    private static String pythonTuple(long[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return sb.append(dims.length == 1 ? ",)" : ")").toString();
    }

    /** The elements in row-major order: floats as doubles (exact for float32), others as longs. */
    private record Values(DType dtype, double[] floats, long[] ints) {
        static Values read(Tensor t, DType dtype, int n) {
            DType readAs = dtype.isFloatingPoint() ? DType.FLOAT64 : dtype;
            long c = t.rawContiguous(readAs);
            try {
                MemorySegment seg = MemorySegment.ofAddress(Tensor.address(c)).reinterpret((long) n * readAs.byteSize());
                if (readAs == DType.FLOAT64) {
                    double[] out = new double[n];
                    MemorySegment.copy(seg, JAVA_DOUBLE, 0, out, 0, n);
                    return new Values(dtype, out, null);
                }
                long[] out = new long[n];
                for (int i = 0; i < n; i++) {
                    out[i] = readAs == DType.BOOL ? seg.get(JAVA_BYTE, i) : seg.getAtIndex(JAVA_LONG, i);
                }
                return new Values(dtype, null, out);
            } finally {
                nabla.nb_tensor_free(c);
            }
        }
    }

    /** One tensor's layout and the format chosen for it (PyTorch's {@code _Formatter}). */
    private static final class Printer {
        private final Values values;
        private final long[] dims;
        private final long[] strides;
        private final boolean summarize;
        private final int precision;
        private final int edgeItems;
        private final int lineWidth;
        private final Boolean forcedSciMode;
        private boolean intMode = true;
        private boolean sciMode = false;
        private int maxWidth = 1;

        Printer(Values values, long[] dims, boolean summarize, PrintOptions opts) {
            this.values = values;
            this.dims = dims;
            this.summarize = summarize;
            precision = opts.precision();
            edgeItems = opts.edgeItems();
            lineWidth = opts.lineWidth();
            forcedSciMode = opts.sciMode();
            strides = new long[dims.length];
            long s = 1;
            for (int d = dims.length - 1; d >= 0; d--) {
                strides[d] = s;
                s *= dims[d];
            }
            List<Integer> shown = new ArrayList<>();
            collect(0, 0, shown);
            if (values.floats == null) {
                for (int i : shown) {
                    maxWidth = Math.max(maxWidth, intString(values.ints[i]).length());
                }
            } else {
                chooseFloatFormat(shown);
            }
        }

        /** The flat indices of the elements printed (all of them unless summarizing). */
        private void collect(int d, long offset, List<Integer> out) {
            if (d == dims.length) {
                out.add((int) offset);
                return;
            }
            for (long i : indices(d)) {
                collect(d + 1, offset + i * strides[d], out);
            }
        }

        /** Whether dim d is cut in the middle, with "..." in place of the cut items. */
        private boolean gap(int d) {
            return summarize && dims[d] > 2L * edgeItems;
        }

        /** The indices printed along dim d: the first and last edgeItems when cut, else all. */
        private long[] indices(int d) {
            long n = dims[d];
            if (gap(d)) {
                long[] idx = new long[2 * edgeItems];
                for (int i = 0; i < edgeItems; i++) {
                    idx[i] = i;
                    idx[edgeItems + i] = n - edgeItems + i;
                }
                return idx;
            }
            long[] idx = new long[(int) n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            return idx;
        }

        private void chooseFloatFormat(List<Integer> shown) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            List<Double> nonzeroFinite = new ArrayList<>();
            for (int i : shown) {
                double v = values.floats[i];
                if (Double.isFinite(v) && v != 0) {
                    nonzeroFinite.add(v);
                    min = Math.min(min, Math.abs(v));
                    max = Math.max(max, Math.abs(v));
                }
            }
            if (nonzeroFinite.isEmpty()) {
                return; // as in PyTorch, before sci_mode is applied: zeros and non-finites keep the plain format
            }
            for (double v : nonzeroFinite) {
                if (v != Math.ceil(v)) {
                    intMode = false;
                    break;
                }
            }
            if (intMode) {
                if (max / min > 1000.0 || max > 1.0e8) {
                    sciMode = true;
                    for (double v : nonzeroFinite) {
                        maxWidth = Math.max(maxWidth, sci(v, precision).length());
                    }
                } else {
                    for (double v : nonzeroFinite) {
                        maxWidth = Math.max(maxWidth, fixed(v, 0).length() + 1);
                    }
                }
            } else if (max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4) {
                sciMode = true;
                for (double v : nonzeroFinite) {
                    maxWidth = Math.max(maxWidth, sci(v, precision).length());
                }
            } else {
                for (double v : nonzeroFinite) {
                    maxWidth = Math.max(maxWidth, fixed(v, precision).length());
                }
            }
            // PyTorch overrides the mode after the width was measured in the automatic one.
            if (forcedSciMode != null) {
                sciMode = forcedSciMode;
            }
        }

        private String element(int flat) {
            String s;
            if (values.floats == null) {
                s = intString(values.ints[flat]);
            } else {
                double v = values.floats[flat];
                if (sciMode) {
                    s = sci(v, precision);
                } else if (intMode) {
                    s = fixed(v, 0);
                    if (Double.isFinite(v)) {
                        s += ".";
                    }
                } else {
                    s = fixed(v, precision);
                }
            }
            return s.length() >= maxWidth ? s : " ".repeat(maxWidth - s.length()) + s;
        }

        private String intString(long v) {
            if (values.dtype == DType.BOOL) {
                return v != 0 ? "True" : "False";
            }
            return Long.toString(v);
        }

        String tensorStr(int d, long offset, int indent) {
            if (dims.length == 0) {
                return element((int) offset);
            }
            if (d == dims.length - 1) {
                return vectorStr(d, offset, indent);
            }
            List<String> slices = new ArrayList<>();
            long[] idx = indices(d);
            for (long i : idx) {
                slices.add(tensorStr(d + 1, offset + i * strides[d], indent + 1));
            }
            if (gap(d)) {
                slices.add(edgeItems, "...");
            }
            String sep = "," + "\n".repeat(dims.length - d - 1) + " ".repeat(indent + 1);
            return "[" + String.join(sep, slices) + "]";
        }

        private String vectorStr(int d, long offset, int indent) {
            int elementLength = maxWidth + 2;
            int perLine = Math.max(1, Math.floorDiv(lineWidth - indent, elementLength));
            List<String> data = new ArrayList<>();
            if (summarize && edgeItems == 0) {
                data.add("...");
            } else {
                for (long i : indices(d)) {
                    data.add(element((int) (offset + i * strides[d])));
                }
                if (gap(d)) {
                    data.add(edgeItems, " ...");
                }
            }
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < data.size(); i += perLine) {
                lines.add(String.join(", ", data.subList(i, Math.min(data.size(), i + perLine))));
            }
            return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
        }
    }

    /** Python's {@code f"{v:.{decimals}f}"}: exact binary value rounded half-even. */
    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        String s = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        boolean negative = v < 0 || (v == 0 && 1 / v < 0);
        return negative && !s.startsWith("-") ? "-" + s : s;
    }

    /** Python's {@code f"{v:.{precision}e}"}, e.g. {@code 1.0000e-05} for precision 4. */
    static String sci(double v, int precision) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return fixed(v, 0);
        }
        boolean negative = v < 0 || (v == 0 && 1 / v < 0);
        String digits;
        int exponent;
        if (v == 0) {
            digits = "0";
            exponent = 0;
        } else {
            BigDecimal bd = new BigDecimal(Math.abs(v)).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = bd.unscaledValue().toString();
            exponent = digits.length() - 1 - bd.scale();
        }
        StringBuilder sb = new StringBuilder();
        if (negative) {
            sb.append('-');
        }
        sb.append(digits.charAt(0));
        if (precision > 0) {
            sb.append('.');
        }
        for (int i = 1; i <= precision; i++) {
            sb.append(i < digits.length() ? digits.charAt(i) : '0');
        }
        sb.append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        if (e < 10) {
            sb.append('0');
        }
        return sb.append(e).toString();
    }
}
