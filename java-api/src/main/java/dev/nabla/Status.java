package dev.nabla;

import dev.nabla.bindings.global.nabla;

/** The one place that turns a native {@code nb_status*} into a Java exception. */
final class Status {
    private Status() {}

    /** Does nothing for success (0); otherwise frees the status and throws. */
    static void check(long status) {
        if (status != 0) {
            throw raise(status);
        }
    }

    /**
     * Reads code and message, frees the status, and returns the exception to throw.
     * Codes: SHAPE -> {@link ShapeMismatchException}, ARGUMENT -> {@link IllegalArgumentException},
     * STATE -> {@link IllegalStateException}, anything else -> {@link NablaException}.
     */
    static RuntimeException raise(long status) {
        int code;
        String message;
        try {
            code = nabla.nb_status_code(status);
            message = nabla.nb_status_message(status);
        } finally {
            nabla.nb_status_free(status);
        }
        if (message == null) {
            message = "native error code " + code;
        }
        return switch (code) {
            case nabla.NB_ERR_SHAPE -> new ShapeMismatchException(message);
            case nabla.NB_ERR_ARGUMENT -> new IllegalArgumentException(message);
            case nabla.NB_ERR_STATE -> new IllegalStateException(message);
            default -> new NablaException(code, message);
        };
    }
}
