package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Shape;
import dev.nabla.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest extends LeakCheckedTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** The file layout from the format's specification: u64 LE length, the header, then the data. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] le(Object... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (Object v : values) {
            b.clear();
            switch (v) {
                case Float f -> b.putFloat(f);
                case Double d -> b.putDouble(d);
                case Long l -> b.putLong(l);
                case Boolean z -> b.put((byte) (z ? 1 : 0));
                default -> throw new IllegalArgumentException(String.valueOf(v));
            }
            out.write(b.array(), 0, b.position());
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static Tensor int64(long[] values, long... shape) {
        Tensor t = Tensor.zeros(DType.INT64, shape);
        if (values.length > 0) {
            MemorySegment.copy(values, 0, t.data(), ValueLayout.JAVA_LONG, 0, values.length);
        }
        return t;
    }

    private static Tensor bool(boolean[] values, long... shape) {
        Tensor t = Tensor.zeros(DType.BOOL, shape);
        for (int i = 0; i < values.length; i++) {
            t.data().set(ValueLayout.JAVA_BYTE, i, (byte) (values[i] ? 1 : 0));
        }
        return t;
    }

    private static byte[] bytesOf(Tensor t) {
        Tensor c = t.contiguous();
        byte[] out = c.numel() == 0 ? new byte[0] : c.data().toArray(ValueLayout.JAVA_BYTE);
        c.close();
        return out;
    }

    private static void assertSameTensor(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.dtype(), actual.dtype(), name + " dtype");
        assertEquals(expected.shape(), actual.shape(), name + " shape");
        assertArrayEquals(bytesOf(expected), bytesOf(actual), name + " bytes");
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips

    @Test
    void roundTripOfEveryDtypeAndShape() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", Tensor.of(new float[] {1.5f, -2f, Float.NaN, Float.POSITIVE_INFINITY, 0f, -0f}, 2, 3));
        in.put("f64", Tensor.of(new double[] {Math.PI, -1e300, 4.9e-324}, 3));
        in.put("i64", int64(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 2, 1, 2));
        in.put("bool", bool(new boolean[] {true, false, false, true, true}, 5));
        in.put("scalar", Tensor.scalar(7.25));
        in.put("scalar64", Tensor.full(3, DType.INT64));
        in.put("empty", Tensor.zeros(0));
        in.put("empty2d", Tensor.zeros(DType.FLOAT64, 3, 0));
        in.put("emptyBool", Tensor.zeros(DType.BOOL, 0, 4));
        in.put("big", Tensor.arange(0, 1000, 1, DType.FLOAT64).reshape(10, 10, 10));
        Path p = dir.resolve("all.safetensors");
        SafeTensors.save(in, Map.of("format", "pt"), p);

        Map<String, Tensor> out = SafeTensors.load(p);
        assertEquals(in.keySet(), out.keySet());
        for (String k : in.keySet()) {
            assertSameTensor(in.get(k), out.get(k), k);
        }
        assertEquals(Map.of("format", "pt"), SafeTensors.metadata(p));
        assertEquals(Shape.of(), out.get("scalar").shape());
        assertEquals(7.25, out.get("scalar").item());
    }

    @Test
    void nonContiguousTensorsAreWrittenRowMajor() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor t = a.t(); // [3, 2]: 1 4 / 2 5 / 3 6
        Tensor e = Tensor.of(new double[] {1, 2}, 2, 1).expand(2, 3);
        assertFalse(t.isContiguous());
        Path p = dir.resolve("views.safetensors");
        SafeTensors.save(Map.of("t", t, "e", e), p);
        Map<String, Tensor> out = SafeTensors.load(p);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, out.get("t").toFloatArray());
        assertEquals(Shape.of(3, 2), out.get("t").shape());
        assertArrayEquals(new double[] {1, 1, 1, 2, 2, 2}, out.get("e").toDoubleArray());
    }

    @Test
    void loadKeepsTheHeaderOrder() throws IOException {
        // "b" comes first in the header but second in the data.
        String h = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        Map<String, Tensor> out = SafeTensors.load(write("order.safetensors", file(h, le(1f, 2f))));
        assertEquals(List.of("b", "a"), new ArrayList<>(out.keySet()));
        assertEquals(2f, out.get("b").item());
        assertEquals(1f, out.get("a").item());
    }

    @Test
    void savedFileReplacesAnOldOneAndLeavesNoTemporaryFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Files.writeString(p, "old contents");
        SafeTensors.save(Map.of("x", Tensor.ones(2)), p);
        assertEquals(1, SafeTensors.load(p).size());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Byte layout, both ways

    @Test
    void readsAFileWrittenByteByByteFromTheSpecification() throws IOException {
        // Header: one object per tensor; offsets count from the first byte after the header.
        String h = "{\"__metadata__\":{\"framework\":\"pt\",\"note\":\"a \\\"quoted\\\" \\u00e9\"},"
                + " \"weight\": {\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [0, 32]},\n"
                + " \"ids\": {\"dtype\": \"I64\", \"shape\": [3], \"data_offsets\": [32, 56]},"
                + " \"m\": {\"dtype\": \"BOOL\", \"shape\": [2], \"data_offsets\": [60, 62]},"
                + " \"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [56, 60]}}   ";
        byte[] data = concat(le(1.0, 2.0, 3.0, 4.0), le(-5L, 0L, 1L << 40), le(0.5f), new byte[] {0, 1});
        Path p = write("spec.safetensors", file(h, data));

        Map<String, Tensor> out = SafeTensors.load(p);
        assertEquals(List.of("weight", "ids", "m", "s"), new ArrayList<>(out.keySet()));
        assertEquals(DType.FLOAT64, out.get("weight").dtype());
        assertArrayEquals(new double[] {1, 2, 3, 4}, out.get("weight").toDoubleArray());
        assertEquals(Shape.of(2, 2), out.get("weight").shape());
        assertEquals(DType.INT64, out.get("ids").dtype());
        assertArrayEquals(new long[] {-5, 0, 1L << 40}, out.get("ids").data().toArray(ValueLayout.JAVA_LONG));
        assertEquals(DType.BOOL, out.get("m").dtype());
        assertArrayEquals(new byte[] {0, 1}, out.get("m").data().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(Shape.of(), out.get("s").shape());
        assertEquals(0.5, out.get("s").item());
        assertEquals(Map.of("framework", "pt", "note", "a \"quoted\" \u00e9"), SafeTensors.metadata(p));
    }

    @Test
    void writesTheBytesThePythonLibraryWrites() throws IOException {
        // safetensors.torch.save_file({"w": [[1, 2], [3, 4]] f32, "step": 7 i64 0-d, "mask": [T, F, T],
        //   "b": [0.5, -1] f32, "e": empty f64 [0, 2]}, path, {"format": "pt"})
        // Order (Note [byte compatibility]): dtype rank descending (I64 > F64 > F32 > BOOL), then name.
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        in.put("mask", bool(new boolean[] {true, false, true}, 3));
        in.put("step", int64(new long[] {7}));
        in.put("b", Tensor.of(new float[] {0.5f, -1f}, 2));
        in.put("e", Tensor.zeros(DType.FLOAT64, 0, 2));
        Path p = dir.resolve("py.safetensors");
        SafeTensors.save(in, Map.of("format", "pt"), p);

        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F64\",\"shape\":[0,2],\"data_offsets\":[8,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[32,35]}}";
        int pad = (8 - json.length() % 8) % 8;
        String header = json + " ".repeat(pad);
        byte[] expected = file(header, concat(le(7L), le(0.5f, -1f), le(1f, 2f, 3f, 4f), le(true, false, true)));
        assertArrayEquals(expected, Files.readAllBytes(p));
        assertEquals(0, header.length() % 8);
    }

    @Test
    void matchesTheRustCrateTestVectors() throws IOException {
        // The expected bytes of test_serialization and test_empty in safetensors/src/tensor.rs.
        Path p = dir.resolve("attn.safetensors");
        SafeTensors.save(Map.of("attn.0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)), p);
        byte[] expected = concat(new byte[] {64, 0, 0, 0, 0, 0, 0, 0},
                "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}".getBytes(StandardCharsets.US_ASCII),
                le(0f, 1f, 2f, 3f, 4f, 5f));
        assertArrayEquals(expected, Files.readAllBytes(p));

        SafeTensors.save(Map.of(), p);
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', 32, 32, 32, 32, 32, 32}, Files.readAllBytes(p));
        assertTrue(SafeTensors.load(p).isEmpty());

        SafeTensors.save(Map.of(), Map.of("framework", "pt"), p);
        byte[] withMeta = concat(new byte[] {40, 0, 0, 0, 0, 0, 0, 0},
                "{\"__metadata__\":{\"framework\":\"pt\"}}     ".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(withMeta, Files.readAllBytes(p));

        // metadata={} is written as an empty object, metadata=None not at all
        SafeTensors.save(Map.of(), Map.of(), p);
        assertArrayEquals(concat(new byte[] {24, 0, 0, 0, 0, 0, 0, 0},
                "{\"__metadata__\":{}}     ".getBytes(StandardCharsets.US_ASCII)), Files.readAllBytes(p));
        assertEquals(Map.of(), SafeTensors.metadata(p));
    }

    @Test
    void escapesNamesAsSerdeJsonDoes() throws IOException {
        String name = "a\"b\\c/d\n\u0001\u00e9\u4e2d";
        Path p = dir.resolve("names.safetensors");
        SafeTensors.save(Map.of(name, Tensor.ones(1)), p);
        String header = new String(Files.readAllBytes(p), 8, 64, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"a\\\"b\\\\c/d\\n\\u0001\u00e9\u4e2d\":{"), header);
        assertEquals(List.of(name), new ArrayList<>(SafeTensors.load(p).keySet()));
    }

    @Test
    void namesSortByUtf8BytesWithinADtype() throws IOException {
        // Rust compares names as UTF-8 bytes: U+FF21 (EF BC A1) < U+1F600 (F0 9F 98 80). Java's
        // String.compareTo compares UTF-16 units and would put U+1F600 (D83D DE00) before U+FF21.
        Path p = dir.resolve("utf8.safetensors");
        SafeTensors.save(Map.of("\ud83d\ude00", Tensor.ones(1), "\uff21", Tensor.ones(1), "B", Tensor.ones(1)), p);
        assertEquals(List.of("B", "\uff21", "\ud83d\ude00"), new ArrayList<>(SafeTensors.load(p).keySet()));
    }

    @Test
    void saveRefusesAReservedNameAndClosedTensors() {
        Path p = dir.resolve("bad.safetensors");
        var ex = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(Map.of("__metadata__", Tensor.ones(1)), p));
        assertTrue(ex.getMessage().contains("__metadata__"), ex.getMessage());
        Tensor t = Tensor.ones(1);
        t.close();
        assertThrows(IllegalStateException.class, () -> SafeTensors.save(Map.of("t", t), p));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(Map.of("\ud800", Tensor.ones(1)), p));
        assertFalse(Files.exists(p));
    }

    // ---------------------------------------------------------------------------------------------
    // Bad files

    private void assertBad(byte[] bytes, String... fragments) throws IOException {
        Path p = write("bad.safetensors", bytes);
        SafeTensorsException ex = assertThrows(SafeTensorsException.class, () -> SafeTensors.load(p));
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message \"" + ex.getMessage() + "\" lacks \"" + f + "\"");
        }
        assertTrue(ex.getMessage().contains(p.toString()), ex.getMessage());
    }

    private static final String ONE = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void badFilesGiveClearErrors() throws IOException {
        assertBad(new byte[0], "0 bytes long");
        assertBad(new byte[] {1, 2, 3}, "3 bytes long");
        assertBad(file("", new byte[0]), "does not start with '{'");
        assertEquals(1, SafeTensors.load(write("good.safetensors", file(ONE, le(1f, 2f)))).size());
    }

    @Test
    void eachKindOfCorruptionIsNamed() throws IOException {
        byte[] data = le(1f, 2f);
        // header length beyond the file
        ByteBuffer b = ByteBuffer.wrap(file(ONE, data).clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, ONE.length() + 100);
        assertBad(b.array(), "header length", "beyond the file size");
        b.putLong(0, -1L);
        assertBad(b.array(), "18446744073709551615", "exceeds");
        // invalid JSON, at an offset
        assertBad(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],}}", data), "invalid JSON", "offset 32");
        assertBad(file("{\"x\":{\"dtype\":\"F32\"", data), "invalid JSON", "end of the header");
        assertBad(file("[1,2]", data), "does not start with '{'");
        assertBad(file("{\"x\":1.5}", data), "non-integer");
        assertBad(file("{\"x\":" + "[".repeat(100) + "]".repeat(100) + "}", data), "nesting");
        assertBad(file("{\"a\":1,\"a\":2}", data), "duplicate key \"a\"");
        assertBad(file("{} x", data), "after the end");
        // not UTF-8
        assertBad(concat(new byte[] {4, 0, 0, 0, 0, 0, 0, 0}, new byte[] {'{', (byte) 0xff, '}', ' '}), "UTF-8");
        // dtype
        assertBad(file(ONE.replace("F32", "Q7"), data), "unknown dtype \"Q7\"");
        assertBad(file(ONE.replace("F32", "F16").replace("[2]", "[4]"), data), "dtype F16", "does not support");
        assertBad(file(ONE.replace("\"dtype\":\"F32\",", ""), data), "\"dtype\" is missing");
        // shape and offsets
        assertBad(file(ONE.replace("[2]", "[3]"), data), "needs 12 bytes", "span 8");
        assertBad(file(ONE.replace("[2]", "[-2]"), data), "non-negative");
        assertBad(file(ONE.replace("[0,8]", "[0,8,9]"), data), "3 entries, expected 2");
        assertBad(file(ONE.replace("[2]", "[4611686018427387904,4]"), data), "overflows");
        assertBad(file(ONE.replace("[0,8]", "[8,0]"), data), "end before they begin");
        assertBad(file(ONE, le(1f)), "out of range", "4 bytes of data");
        assertBad(file(ONE, le(1f, 2f, 3f)), "4 trailing bytes");
        assertBad(file(ONE.replace("[0,8]", "[4,12]"), le(1f, 2f, 3f)), "gap");
        String two = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertBad(file(two, le(1f, 2f, 3f)), "overlap tensor \"x\"");
        assertBad(file("{\"x\":[1]}", data), "must be an object");
        assertBad(file("{\"__metadata__\":{\"k\":1}}", new byte[0]), "must be a string");
    }

    @Test
    void randomTruncationsAndByteFlipsGiveTheExceptionOrAValidLoad() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.arange(0, 12, 1).reshape(3, 4));
        in.put("ids", int64(new long[] {1, 2, 3}, 3));
        in.put("m", bool(new boolean[] {true, false}, 2));
        Path p = dir.resolve("fuzz-src.safetensors");
        SafeTensors.save(in, Map.of("format", "pt"), p);
        byte[] good = Files.readAllBytes(p);
        int headerEnd = 8 + (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Random rnd = new Random(1234);
        for (int trial = 0; trial < 300; trial++) {
            byte[] bad;
            boolean mustFail;
            if (trial % 3 == 0) {
                bad = java.util.Arrays.copyOf(good, rnd.nextInt(good.length));
                mustFail = true; // any truncation loses bytes the header accounts for
            } else {
                bad = good.clone();
                int flips = 1 + rnd.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    // mostly in the header, where a flip changes the structure
                    int at = rnd.nextInt(10) < 8 ? rnd.nextInt(headerEnd) : rnd.nextInt(bad.length);
                    bad[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                mustFail = false; // a flip in the data or in padding can leave a valid file
            }
            Path q = write("fuzz.safetensors", bad);
            try {
                Map<String, Tensor> out = SafeTensors.load(q);
                assertFalse(mustFail, "trial " + trial + ": a truncated file loaded");
                out.values().forEach(Tensor::close);
            } catch (SafeTensorsException expected) {
                assertTrue(expected.getMessage().startsWith("SafeTensors.load: "), expected.getMessage());
            }
        }
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(java.io.UncheckedIOException.class, () -> SafeTensors.load(dir.resolve("nope.safetensors")));
    }
}
