package dev.nabla;

/**
 * A failure inside Nabla that is neither a bad argument nor a bad autograd state: out of memory
 * ({@code NB_ERR_MEMORY}) or an internal bug ({@code NB_ERR_INTERNAL}). Carries the native status code.
 */
public class NablaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public NablaException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The native status code ({@code NB_ERR_*}). */
    public int code() {
        return code;
    }
}
