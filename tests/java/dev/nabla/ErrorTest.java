package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Native statuses become the documented Java exceptions, with messages that name op and shapes. */
class ErrorTest extends NablaTestBase {

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected \"" + p + "\" in: " + message);
        }
    }

    @Test
    void matrixProductsRefuseMixedFloatDtypesAsPyTorchDoes() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(DType.FLOAT64, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().contains("matmul: expected m1 and m2 to have the same dtype, but got: float != double"),
                e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 4]"), e.getMessage());
        Tensor c = Tensor.ones(1, 2, 3);
        Tensor d = Tensor.ones(DType.FLOAT64, 1, 3, 4);
        assertThrows(IllegalArgumentException.class, () -> c.bmm(d));
    }

    @Test
    void broadcastMismatchNamesBothShapes() {
        Tensor a = Tensor.ones(2, 3);
        Tensor b = Tensor.ones(4);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.add(b));
        assertContains(e.getMessage(), "add", "[2, 3]", "[4]");
        assertThrows(ShapeMismatchException.class, () -> a.mul(b));
        assertThrows(ShapeMismatchException.class, () -> a.sub(b));
        assertThrows(ShapeMismatchException.class, () -> a.div(b));
    }

    @Test
    void matmulMismatchNamesBothShapes() {
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> Tensor.ones(2, 3).matmul(Tensor.ones(4, 5)));
        assertContains(e.getMessage(), "matmul", "[2, 3]", "[4, 5]");
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void itemOnMoreThanOneElementFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2).item());
        assertContains(e.getMessage(), "2 elements");
        assertEquals(5.0, Tensor.full(5, 1, 1).item());
    }

    @Test
    void badDimensionIsAnArgumentError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).sum(5, false));
        assertContains(e.getMessage(), "sum", "5");
        assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).transpose(0, 3));
    }

    @Test
    void viewOfANonContiguousTensorFailsButReshapeWorks() {
        Tensor t = Tensor.arange(6).reshape(2, 3).transpose(0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(6));
        assertContains(e.getMessage(), "view", "reshape");
        assertEquals(Shape.of(6), t.reshape(6).shape());
    }

    @Test
    void reshapeToTheWrongSizeFails() {
        RuntimeException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).reshape(4, 2));
        assertContains(e.getMessage(), "reshape");
    }

    @Test
    void expandOfANonSingletonDimFails() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3).expand(4, 3));
    }

    @Test
    void ofChecksTheShape() {
        ShapeMismatchException e =
                assertThrows(ShapeMismatchException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertContains(e.getMessage(), "3 values", "[2, 2]");
        assertThrows(ShapeMismatchException.class, () -> Tensor.of(new double[][] {{1, 2}, {3}}));
    }

    @Test
    void tOfAThreeDimensionalTensorFails() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 2, 2).t());
    }
}
