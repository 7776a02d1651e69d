package dev.nabla.io;

/**
 * A safetensors file that cannot be read or a dict that cannot be written: the message names the file
 * and what is wrong (a header length beyond the file size, invalid JSON at an offset, overlapping or
 * out-of-range data offsets, an unknown dtype, a shape that does not match its byte range, ...).
 * Unchecked, like every Nabla exception; I/O failures themselves surface as
 * {@link java.io.UncheckedIOException}.
 */
public final class SafeTensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message. */
    public SafeTensorsException(String message) {
        super(message);
    }

    /** An exception with this message and cause. */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
