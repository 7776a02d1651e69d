package dev.nabla.io;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Shape;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, as
 * {@code safetensors.torch.save_file} / {@code load_file} do:
 *
 * <pre>{@code
 * SafeTensors.save(Map.of("weight", w, "bias", b), Path.of("model.safetensors"));
 * Map<String, Tensor> loaded = SafeTensors.load(Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>The layout: 8 bytes little-endian header length {@code N}; {@code N} bytes of UTF-8 JSON
 * {@code {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}}
 * padded with spaces to a multiple of 8; then the tensors' bytes, little-endian, row-major, offsets
 * counted from the first byte after the header.
 *
 * <p>Note [byte compatibility]: {@link #save} writes exactly the bytes the Python library (its Rust
 * core's {@code prepare}) writes for the same dict: tensors ordered by dtype, larger alignment first
 * (I64, F64, F32, BOOL, the order of its {@code Dtype} enum, descending), then by name in byte order;
 * compact JSON with {@code __metadata__} first; space padding. With more than one metadata entry the
 * Python library's order is its {@code HashMap}'s (not deterministic); Nabla keeps the map's order.
 *
 * <p>{@link #load} checks everything before it creates a tensor, as the Python library does: the header
 * length against the file size, the JSON, each dtype, each shape against its byte range, and that the
 * byte ranges tile the data section exactly (no gap, no overlap, nothing past the end, nothing after).
 * A bad file gives a {@link SafeTensorsException} and no tensors.
 *
 * <p>Tensors {@link #load} creates belong to the calling thread's innermost {@link dev.nabla.TensorScope},
 * like any other new tensor.
 */
public final class SafeTensors {
    /** The Python library's limit: a longer header is refused before it is read. */
    static final long MAX_HEADER_SIZE = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {}

    // ---------------------------------------------------------------------------------------------
    // Dtypes

    /**
     * The safetensors dtype names, with Nabla's type where there is one. {@code rank} is the position in
     * the Python library's {@code Dtype} enum, which orders by alignment; writing sorts by it, descending.
     */
    private enum StDType {
        BOOL(1, DType.BOOL), U8(1, null), I8(1, null), F8_E5M2(1, null), F8_E4M3(1, null),
        I16(2, null), U16(2, null), F16(2, null), BF16(2, null), I32(4, null), U32(4, null),
        F32(4, DType.FLOAT32), F64(8, DType.FLOAT64), I64(8, DType.INT64), U64(8, null);

        final int size;
        final DType nabla;

        StDType(int size, DType nabla) {
            this.size = size;
            this.nabla = nabla;
        }

        static StDType of(DType d) {
            return switch (d) {
                case FLOAT32 -> F32;
                case FLOAT64 -> F64;
                case INT64 -> I64;
                case BOOL -> BOOL;
            };
        }

        static StDType named(String name) {
            for (StDType t : values()) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** One header entry, validated. */
    private record Entry(String name, StDType dtype, long[] shape, long begin, long end) {}

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** Writes {@code tensors} to {@code path} without metadata; see {@link #save(Map, Map, Path)}. */
    public static void save(Map<String, Tensor> tensors, Path path) {
        save(tensors, null, path);
    }

    /**
     * Writes {@code tensors} and {@code metadata} (stored as {@code "__metadata__"}; {@code null} omits
     * it, like {@code metadata=None}, while an empty map writes {@code {}}, like {@code metadata={}}) to
     * {@code path}, replacing it, with the bytes {@code safetensors.torch.save_file(tensors, path,
     * metadata)} writes. Views and transposed tensors are written in row-major order. The file appears
     * complete or not at all: it is written next to {@code path} and then moved over it.
     *
     * @throws IllegalArgumentException for a tensor named {@code "__metadata__"} or a name or value that is
     *     not valid Unicode
     * @throws IllegalStateException for a closed tensor
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path) {
        record Item(String name, byte[] nameUtf8, Tensor tensor, StDType dtype, long[] shape, long bytes) {}
        List<Item> items = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || t == null) {
                throw new IllegalArgumentException("SafeTensors.save: null name or tensor");
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "SafeTensors.save: a tensor may not be named \"__metadata__\"; that key holds the metadata");
            }
            DType d = t.dtype();
            long[] shape = t.shape().dims();
            items.add(new Item(name, utf8(name, "tensor name"), t, StDType.of(d), shape, t.numel() * d.byteSize()));
        }
        // Note [byte compatibility]: larger alignment first, then names in byte order.
        items.sort(Comparator.comparingInt((Item i) -> -i.dtype.ordinal())
                .thenComparing(Item::nameUtf8, Arrays::compareUnsigned));

        StringBuilder json = new StringBuilder(64 + 64 * items.size());
        json.append('{');
        boolean first = true;
        if (metadata != null) {
            json.append('"').append(METADATA_KEY).append("\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("SafeTensors.save: null metadata key or value");
                }
                utf8(m.getKey(), "metadata key");
                utf8(m.getValue(), "metadata value");
                if (!firstMeta) {
                    json.append(',');
                }
                firstMeta = false;
                HeaderJson.writeString(json, m.getKey());
                json.append(':');
                HeaderJson.writeString(json, m.getValue());
            }
            json.append('}');
            first = false;
        }
        long offset = 0;
        for (Item it : items) {
            if (!first) {
                json.append(',');
            }
            first = false;
            HeaderJson.writeString(json, it.name);
            json.append(":{\"dtype\":\"").append(it.dtype.name()).append("\",\"shape\":");
            HeaderJson.writeLongs(json, it.shape);
            json.append(",\"data_offsets\":");
            HeaderJson.writeLongs(json, new long[] {offset, offset + it.bytes});
            json.append('}');
            offset += it.bytes;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Item it : items) {
                    if (it.bytes > 0) {
                        writeTensor(ch, it.tensor);
                    }
                }
                ch.force(false);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException ex) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException ex) {
            throw new UncheckedIOException("SafeTensors.save: cannot write " + path + ": " + ex.getMessage(), ex);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure matters more
                }
            }
        }
    }

    /** Writes the elements of {@code t} in row-major order, little-endian. */
    private static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        if (t.isContiguous()) {
            writeSegment(ch, t.data());
            return;
        }
        // A view: copy it row-major first. No graph is wanted for a copy that only feeds a file.
        Tensor c;
        try (var g = GradMode.noGrad()) {
            c = t.contiguous();
        }
        try {
            writeSegment(ch, c.data());
        } finally {
            c.close();
        }
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        long chunk = 1L << 30;
        for (long at = 0; at < seg.byteSize(); at += chunk) {
            MemorySegment part = seg.asSlice(at, Math.min(chunk, seg.byteSize() - at));
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                writeFully(ch, part.asByteBuffer());
            } else {
                throw new UnsupportedOperationException("SafeTensors: big-endian platforms are not supported");
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static byte[] utf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException ex) {
            throw new IllegalArgumentException(
                    "SafeTensors.save: " + what + " \"" + s + "\" is not valid Unicode (a lone surrogate?)", ex);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * Reads every tensor of a safetensors file, in the header's order (like
     * {@code safetensors.torch.load_file}). Supports the dtypes F32, F64, I64 and BOOL.
     *
     * @return a new {@link LinkedHashMap}, name to tensor
     * @throws SafeTensorsException naming the file and the problem when the file is not a valid
     *     safetensors file or holds a dtype Nabla does not have (F16, BF16, I32, ...); no tensor is
     *     left behind
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Map<String, Tensor> load(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(ch, path);
            Map<String, Tensor> out = new LinkedHashMap<>();
            boolean ok = false;
            try {
                for (Entry e : h.entries) {
                    Tensor t = Tensor.zeros(e.dtype.nabla, e.shape);
                    out.put(e.name, t);
                    long n = e.end - e.begin;
                    if (n > 0) {
                        readInto(ch, t.data(), h.dataStart + e.begin, path, e.name);
                        if (e.dtype == StDType.BOOL) {
                            normalizeBools(t.data());
                        }
                    }
                }
                ok = true;
                return out;
            } finally {
                if (!ok) {
                    out.values().forEach(Tensor::close);
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("SafeTensors.load: cannot read " + path + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * The {@code "__metadata__"} entries of a safetensors file (empty when it has none), after checking
     * the whole header as {@link #load} does.
     *
     * @throws SafeTensorsException when the file is not a valid safetensors file
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Map<String, String> metadata(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(ch, path).metadata;
        } catch (IOException ex) {
            throw new UncheckedIOException("SafeTensors.metadata: cannot read " + path + ": " + ex.getMessage(), ex);
        }
    }

    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

    private static Header readHeader(FileChannel ch, Path path) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw fail(path, "the file is " + size + " bytes long, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, path, "the header length");
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_SIZE) {
            throw fail(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_SIZE + " bytes (not a safetensors file?)");
        }
        if (8 + n > size) {
            throw fail(path, "header length " + n + " is beyond the file size " + size
                    + " (a truncated file, or not a safetensors file)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, path, "the header");
        hb.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb)
                    .toString();
        } catch (CharacterCodingException ex) {
            throw fail(path, "the header is not valid UTF-8");
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw fail(path, "the header does not start with '{' (not a safetensors file?)");
        }
        Object json;
        try {
            json = HeaderJson.parse(text);
        } catch (SafeTensorsException ex) {
            throw fail(path, ex.getMessage());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> top = (Map<String, Object>) json; // starts with '{' and parsed: an object

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>(top.size());
        for (Map.Entry<String, Object> kv : top.entrySet()) {
            String name = kv.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(kv.getValue() instanceof Map<?, ?> m)) {
                    throw fail(path, "\"__metadata__\" must be an object of strings, got " + kind(kv.getValue()));
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw fail(path, "\"__metadata__\" entry \"" + me.getKey() + "\" must be a string, got "
                                + kind(me.getValue()));
                    }
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            entries.add(entry(path, name, kv.getValue()));
        }

        // The byte ranges, sorted, must tile [0, dataSize) exactly, as the Python library requires.
        long dataSize = size - 8 - n;
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : byOffset) {
            if (e.begin < expected) {
                throw fail(path, "tensor \"" + e.name + "\" data_offsets [" + e.begin + ", " + e.end
                        + "] overlap tensor \"" + previous + "\", which ends at " + expected);
            }
            if (e.begin > expected) {
                throw fail(path, "tensor \"" + e.name + "\" data_offsets [" + e.begin + ", " + e.end
                        + "] leave a gap: the previous tensor's data ends at " + expected);
            }
            if (e.end > dataSize) {
                throw fail(path, "tensor \"" + e.name + "\" data_offsets [" + e.begin + ", " + e.end
                        + "] are out of range: the file holds " + dataSize
                        + " bytes of data after the header (a truncated file?)");
            }
            expected = e.end;
            previous = e.name;
        }
        if (expected != dataSize) {
            throw fail(path, "the tensors' data ends at byte " + expected + " but the file holds " + dataSize
                    + " bytes of data after the header (" + (dataSize - expected) + " trailing bytes)");
        }
        return new Header(entries, metadata, 8 + n);
    }

    private static Entry entry(Path path, String name, Object value) {
        String where = "tensor \"" + name + "\"";
        if (!(value instanceof Map<?, ?> info)) {
            throw fail(path, where + " must be an object with dtype, shape and data_offsets, got " + kind(value));
        }
        if (!(info.get("dtype") instanceof String dtypeName)) {
            throw fail(path, where + ": \"dtype\" is " + missingOr(info, "dtype") + ", expected a string like \"F32\"");
        }
        StDType dtype = StDType.named(dtypeName);
        if (dtype == null) {
            throw fail(path, where + " has unknown dtype \"" + dtypeName + "\"");
        }
        if (dtype.nabla == null) {
            throw fail(path, where + " has dtype " + dtypeName
                    + ", which Nabla does not support (supported: F32, F64, I64, BOOL)");
        }
        long[] shape = longs(path, where, info, "shape", -1);
        long[] offsets = longs(path, where, info, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw fail(path, where + " has data_offsets [" + begin + ", " + end + "] that end before they begin");
        }
        long bytes;
        try {
            long numel = 1;
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bytes = Math.multiplyExact(numel, dtype.size);
        } catch (ArithmeticException ex) {
            throw fail(path, where + " has shape " + Shape.of(shape) + ", whose byte size overflows 64 bits");
        }
        if (bytes != end - begin) {
            throw fail(path, where + " of dtype " + dtypeName + " and shape " + Shape.of(shape) + " needs "
                    + bytes + " bytes, but its data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A list of non-negative integers under {@code key}, of length {@code length} unless it is -1. */
    private static long[] longs(Path path, String where, Map<?, ?> info, String key, int length) {
        if (!(info.get(key) instanceof List<?> list)) {
            throw fail(path, where + ": \"" + key + "\" is " + missingOr(info, key) + ", expected a list of integers");
        }
        if (length >= 0 && list.size() != length) {
            throw fail(path, where + ": \"" + key + "\" has " + list.size() + " entries, expected " + length);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) {
                throw fail(path, where + ": \"" + key + "\" entry " + i + " is " + list.get(i)
                        + ", expected a non-negative integer");
            }
            out[i] = v;
        }
        return out;
    }

    private static String missingOr(Map<?, ?> info, String key) {
        return info.containsKey(key) ? kind(info.get(key)) : "missing";
    }

    private static String kind(Object v) {
        if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "a list";
        } else if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        return String.valueOf(v);
    }

    private static void readInto(FileChannel ch, MemorySegment dst, long position, Path path, String name)
            throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("SafeTensors: big-endian platforms are not supported");
        }
        long chunk = 1L << 30;
        for (long at = 0; at < dst.byteSize(); at += chunk) {
            ByteBuffer buf = dst.asSlice(at, Math.min(chunk, dst.byteSize() - at)).asByteBuffer();
            readFully(ch, buf, position + at, path, "tensor \"" + name + "\"");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path path, String what)
            throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw fail(path, "the file ended while reading " + what + " (was it truncated while being read?)");
            }
            pos += r;
        }
    }

    /** Any nonzero byte is true, as numpy and torch read a bool; the native kernels expect 0 or 1. */
    private static void normalizeBools(MemorySegment seg) {
        for (long i = 0; i < seg.byteSize(); i++) {
            if (seg.get(ValueLayout.JAVA_BYTE, i) != 0) {
                seg.set(ValueLayout.JAVA_BYTE, i, (byte) 1);
            }
        }
    }

    private static SafeTensorsException fail(Path path, String what) {
        return new SafeTensorsException("SafeTensors.load: " + path + ": " + what);
    }
}
