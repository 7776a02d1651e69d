package dev.nabla;

/**
 * Shapes that do not broadcast or do not fit an op ({@code NB_ERR_SHAPE}). The message names the op
 * and the shapes, e.g. {@code matmul: [2, 3] @ [4, 5]: inner dimensions 3 and 4 differ}.
 */
public class ShapeMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeMismatchException(String message) {
        super(message);
    }
}
