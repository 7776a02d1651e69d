package dev.nabla.data;

import dev.nabla.DType;
import dev.nabla.Shape;
import dev.nabla.Tensor;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads files in the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed (recognized by
 * the gzip magic bytes {@code 1f 8b}, whatever the file name):
 *
 * <pre>{@code
 * Idx.Data images = Idx.read(Path.of("train-images-idx3-ubyte.gz"));   // shape [60000, 28, 28]
 * Tensor x = images.toFloat32(true);                                    // float32 in [0, 1]
 * Tensor y = Idx.read(Path.of("train-labels-idx1-ubyte.gz")).toInt64(); // int64 [60000]
 * }</pre>
 *
 * <p>The format: a big-endian magic {@code 00 00 TT DD} (type code {@code TT}, {@code DD} dimensions),
 * {@code DD} big-endian 32-bit sizes, then the elements in row-major order. Only unsigned bytes
 * ({@code TT = 0x08}: {@code 0x00000803} for images, {@code 0x00000801} for labels) are supported, which
 * is what the MNIST family uses; other type codes give a clear error.
 */
public final class Idx {
    private Idx() {}

    /**
     * The contents of an IDX file of unsigned bytes.
     *
     * @param shape the sizes from the file's header
     * @param values the elements, row-major; read them as unsigned ({@code b & 0xff}) or with {@link #get}
     */
    public record Data(Shape shape, byte[] values) {
        /** The element at flat index {@code i}, as the unsigned value 0..255. */
        public int get(int i) {
            return values[i] & 0xff;
        }

        /**
         * A float32 tensor of {@link #shape()}: each value divided by 255 when {@code normalize} (pixels
         * in [0, 1], the exact quotient {@code v / 255f} as torchvision's {@code ToTensor} computes it),
         * else the values 0..255 as they are.
         */
        public Tensor toFloat32(boolean normalize) {
            float[] table = new float[256];
            for (int v = 0; v < 256; v++) {
                table[v] = normalize ? v / 255f : v;
            }
            Tensor t = Tensor.zeros(DType.FLOAT32, shape.dims());
            if (values.length > 0) {
                MemorySegment seg = t.data();
                for (int i = 0; i < values.length; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, table[values[i] & 0xff]);
                }
            }
            return t;
        }

        /** An int64 tensor of {@link #shape()} holding the unsigned values (class labels). */
        public Tensor toInt64() {
            Tensor t = Tensor.zeros(DType.INT64, shape.dims());
            if (values.length > 0) {
                MemorySegment seg = t.data();
                for (int i = 0; i < values.length; i++) {
                    seg.setAtIndex(ValueLayout.JAVA_LONG, i, values[i] & 0xff);
                }
            }
            return t;
        }
    }

    /**
     * Reads an IDX file of unsigned bytes, plain or gzip.
     *
     * @throws IdxFormatException naming the file and the problem: a bad magic number, an unsupported type
     *     code, a truncated file or gzip stream, or bytes after the data
     * @throws UncheckedIOException when the file cannot be read (missing, unreadable)
     */
    public static Data read(Path path) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return parse(in, path, gzip);
            }
        } catch (ZipException | EOFException ex) {
            // a corrupt or cut-off gzip stream
            throw new IdxFormatException(path + ": the gzip stream is corrupt or truncated (" + ex.getMessage() + ")", ex);
        } catch (IOException ex) {
            throw new UncheckedIOException("Idx.read: cannot read " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static Data parse(InputStream in, Path path, boolean gzip) throws IOException {
        String where = path + (gzip ? " (gzip)" : "");
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IdxFormatException(where + ": the file holds " + magic.length
                    + " bytes, too short for the 4-byte IDX magic number");
        }
        int m = ((magic[0] & 0xff) << 24) | ((magic[1] & 0xff) << 16) | ((magic[2] & 0xff) << 8) | (magic[3] & 0xff);
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(where + ": magic number 0x" + hex(m)
                    + " does not start with two zero bytes; not an IDX file");
        }
        int type = magic[2] & 0xff;
        int rank = magic[3] & 0xff;
        if (type != 0x08) {
            throw new IdxFormatException(where + ": magic number 0x" + hex(m) + " has type code 0x"
                    + String.format("%02X", type) + " (" + typeName(type) + "); only unsigned bytes (0x08) are supported");
        }
        if (rank == 0) {
            throw new IdxFormatException(where + ": magic number 0x" + hex(m) + " declares 0 dimensions");
        }
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IdxFormatException(where + ": the file ends inside the header: " + rank + " sizes need "
                    + (4 * rank) + " bytes after the magic number, found " + dimBytes.length);
        }
        long[] dims = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            int d = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                    | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
            if (d < 0) {
                throw new IdxFormatException(where + ": size " + i + " is " + Integer.toUnsignedString(d)
                        + ", too large for an array");
            }
            dims[i] = d;
            count *= d;
            if (count > Integer.MAX_VALUE - 16) {
                throw new IdxFormatException(where + ": the sizes " + java.util.Arrays.toString(java.util.Arrays.copyOf(dims, i + 1))
                        + " describe more than 2^31 bytes, too large for an array");
            }
        }
        Shape shape = new Shape(dims);
        byte[] values = in.readNBytes((int) count);
        if (values.length < count) {
            throw new IdxFormatException(where + ": the header declares shape " + shape + " (" + count
                    + " bytes of data) but the file holds only " + values.length + "; truncated?");
        }
        long extra = in.transferTo(java.io.OutputStream.nullOutputStream());
        if (extra > 0) {
            throw new IdxFormatException(where + ": " + extra + " bytes follow the " + count
                    + " bytes of data that shape " + shape + " declares");
        }
        return new Data(shape, values);
    }

    private static String hex(int v) {
        return String.format("%08X", v);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> "not an IDX type";
        };
    }
}
