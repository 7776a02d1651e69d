package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Shape;
import dev.nabla.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest extends LeakCheckedTest {
    @TempDir
    Path dir;

    /** An IDX file: magic 00 00 type rank, big-endian int32 sizes, then the bytes. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] pixels(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 37 % 256);
        }
        return b;
    }

    @Test
    void readsPlainAndGzipImages() throws IOException {
        byte[] px = pixels(2 * 3 * 4);
        byte[] raw = idx(0x08, new int[] {2, 3, 4}, px);
        for (Path p : new Path[] {write("img", raw), write("img.gz", gzip(raw)), write("gz-without-suffix", gzip(raw))}) {
            Idx.Data d = Idx.read(p);
            assertEquals(Shape.of(2, 3, 4), d.shape());
            assertArrayEquals(px, d.values());
            Tensor t = d.toFloat32(true);
            assertEquals(DType.FLOAT32, t.dtype());
            assertEquals(Shape.of(2, 3, 4), t.shape());
            float[] f = t.toFloatArray();
            for (int i = 0; i < px.length; i++) {
                assertEquals((px[i] & 0xff) / 255f, f[i], 0f); // exactly v / 255f, as torchvision's ToTensor
            }
            assertEquals(255f, Idx.read(write("max", idx(8, new int[] {1}, new byte[] {(byte) 255}))).toFloat32(false).item());
        }
    }

    @Test
    void readsLabelsAsInt64() throws IOException {
        byte[] labels = {0, 9, 3, (byte) 200};
        Idx.Data d = Idx.read(write("lab.gz", gzip(idx(0x08, new int[] {4}, labels))));
        Tensor t = d.toInt64();
        assertEquals(DType.INT64, t.dtype());
        assertEquals(Shape.of(4), t.shape());
        assertArrayEquals(new long[] {0, 9, 3, 200}, t.data().toArray(ValueLayout.JAVA_LONG));
        assertEquals(200, d.get(3));
    }

    @Test
    void emptyFileOfZeroItems() throws IOException {
        Idx.Data d = Idx.read(write("empty", idx(0x08, new int[] {0, 28, 28}, new byte[0])));
        assertEquals(Shape.of(0, 28, 28), d.shape());
        assertEquals(Shape.of(0, 28, 28), d.toFloat32(true).shape());
    }

    private void assertBad(byte[] bytes, String... fragments) throws IOException {
        Path p = write("bad", bytes);
        IdxFormatException ex = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message \"" + ex.getMessage() + "\" lacks \"" + f + "\"");
        }
        assertTrue(ex.getMessage().contains(p.toString()), ex.getMessage());
    }

    @Test
    void corruptFilesGiveClearErrors() throws IOException {
        byte[] good = idx(0x08, new int[] {2, 2}, new byte[] {1, 2, 3, 4});
        assertBad(new byte[] {0, 0}, "too short for the 4-byte IDX magic");
        assertBad(idx(0x0D, new int[] {2}, new byte[8]), "0x00000D01", "type code 0x0D (float32)", "only unsigned bytes");
        assertBad(idx(0x0C, new int[] {2}, new byte[8]), "int32");
        assertBad(new byte[] {1, 2, 8, 1, 0, 0, 0, 1, 5}, "not an IDX file");
        assertBad(idx(0x08, new int[] {}, new byte[0]), "0 dimensions");
        assertBad(Arrays.copyOf(good, 9), "ends inside the header");
        assertBad(Arrays.copyOf(good, good.length - 1), "[2, 2]", "4 bytes of data", "only 3", "truncated");
        assertBad(Arrays.copyOf(good, good.length + 2), "2 bytes follow");
        assertBad(idx(0x08, new int[] {-1}, new byte[0]), "too large");
        assertBad(idx(0x08, new int[] {65536, 65536}, new byte[0]), "more than 2^31 bytes");
        // gzip: the same checks inside, and a cut or damaged stream
        assertBad(gzip(Arrays.copyOf(good, good.length - 1)), "(gzip)", "truncated");
        byte[] gz = gzip(good);
        assertBad(Arrays.copyOf(gz, gz.length - 10), "gzip stream is corrupt or truncated");
        byte[] flipped = gz.clone();
        flipped[12] ^= 0x55;
        assertThrows(IdxFormatException.class, () -> Idx.read(write("flip", flipped)));
    }

    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        byte[] good = gzip(idx(0x08, new int[] {3, 5, 5}, pixels(75)));
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bad = trial % 2 == 0 ? Arrays.copyOf(good, rnd.nextInt(good.length)) : good.clone();
            if (trial % 2 == 1) {
                bad[rnd.nextInt(bad.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            try {
                Idx.read(write("fuzz", bad));
            } catch (IdxFormatException expected) {
                // fine: a clear error
            }
        }
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(UncheckedIOException.class, () -> Idx.read(dir.resolve("nope")));
    }
}
