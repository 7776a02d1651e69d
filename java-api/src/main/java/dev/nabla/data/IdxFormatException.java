package dev.nabla.data;

/**
 * An IDX file that cannot be read: the message names the file and what is wrong (magic number, type
 * code, truncation, trailing bytes, a corrupt gzip stream). Unchecked, like every Nabla exception.
 */
public final class IdxFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with this message. */
    public IdxFormatException(String message) {
        super(message);
    }

    /** An exception with this message and cause. */
    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
