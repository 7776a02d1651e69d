package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Shape and indexing ops: hand-checked values, gradients, and errors that name the op and shapes. */
class ShapeTest extends NablaTestBase {

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected \"" + p + "\" in: " + message);
        }
    }

    /** 0, 1, ..., n-1 as float32 in the given shape. */
    private static Tensor iota(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Tensor.arange(n).reshape(shape);
    }

    private static Tensor idx(float... values) {
        return Tensor.of(values).to(DType.INT64);
    }

    @Test
    void viewsHaveTorchShapesAndValues() {
        Tensor x = iota(2, 3, 4);
        Tensor p = x.permute(2, 0, 1);
        assertEquals(Shape.of(4, 2, 3), p.shape());
        // p[i][j][k] = x[j][k][i]; p[1][1][2] = x[1][2][1] = 12 + 8 + 1
        assertEquals(21.0, p.select(0, 1).select(0, 1).select(0, 2).item());
        assertEquals(Shape.of(2, 3), Tensor.zeros(2, 1, 3, 1).squeeze().shape());
        assertEquals(Shape.of(2, 3, 1), Tensor.zeros(2, 1, 3, 1).squeeze(1).shape());
        assertEquals(Shape.of(2, 1, 3, 1), Tensor.zeros(2, 1, 3, 1).squeeze(0).shape());
        assertEquals(Shape.of(2, 3, 1), Tensor.zeros(2, 3).unsqueeze(-1).shape());
        assertEquals(Shape.of(24), x.flatten().shape());
        assertEquals(Shape.of(2, 12), x.flatten(1, -1).shape());
        assertEquals(Shape.of(1), Tensor.scalar(3).flatten().shape());
        assertEquals(Shape.of(2, 3, 3), Tensor.ones(3, 1).broadcastTo(2, 3, 3).shape());
        // x[1, 1:3, 0] = [16, 20]
        assertArrayEquals(new float[] {16, 20}, x.select(0, 1).narrow(0, 1, 2).select(1, 0).toFloatArray());
    }

    @Test
    void sliceClampsLikePython() {
        Tensor x = Tensor.arange(10);
        // x[1:8:3] = [1, 4, 7]; x[-3:] = [7, 8, 9]; x[-100:2] = [0, 1]; x[5:2] = []; x[8:100:5] = [8]
        assertArrayEquals(new float[] {1, 4, 7}, x.slice(0, 1, 8, 3).toFloatArray());
        assertArrayEquals(new float[] {7, 8, 9}, x.slice(0, -3, Long.MAX_VALUE).toFloatArray());
        assertArrayEquals(new float[] {0, 1}, x.slice(0, -100, 2).toFloatArray());
        assertEquals(0, x.slice(0, 5, 2).numel());
        assertArrayEquals(new float[] {8}, x.slice(0, 8, 100, 5).toFloatArray());
        // x[-1] along a dim: select with a negative index
        assertEquals(9.0, x.select(0, -1).item());
    }

    @Test
    void viewsShareStorage() {
        Tensor x = Tensor.zeros(3, 4);
        Tensor row = x.select(0, 1);
        Tensor cols = x.slice(1, 0, 4, 2);
        try (var g = GradMode.noGrad()) {
            row.fillInPlace(1);
        }
        // row 1 is ones now, seen through the strided column view: cols[1] = [1, 1], cols[0] = [0, 0]
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, cols.contiguous().toFloatArray());
    }

    @Test
    void sliceGradientScattersIntoZeros() {
        Tensor x = Tensor.ones(5).requiresGrad(true);
        // y = sum(x[1:5:2] * [10, 20]): dy/dx = [0, 10, 0, 20, 0]
        x.slice(0, 1, 5, 2).mul(Tensor.of(new float[] {10, 20})).sum().backward();
        assertArrayEquals(new float[] {0, 10, 0, 20, 0}, x.grad().toFloatArray());
        assertEquals("SliceBackward0", x.slice(0, 1, 3).gradFn());
        assertEquals("SelectBackward0", x.select(0, 1).gradFn());
    }

    @Test
    void catStackSplitChunk() {
        Tensor a = iota(2, 2);
        Tensor b = Tensor.full(9, 2, 1);
        // cat along dim 1: [[0, 1, 9], [2, 3, 9]]
        assertArrayEquals(new float[] {0, 1, 9, 2, 3, 9}, Tensor.cat(1, a, b).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 9, 2, 3, 9}, Tensor.cat(-1, List.of(a, b)).toFloatArray());
        // stack along dim 2 pairs elements: [[[0, 0], [1, 2]], [[2, 4], [3, 6]]]
        Tensor s = Tensor.stack(2, a, a.mul(2));
        assertEquals(Shape.of(2, 2, 2), s.shape());
        assertArrayEquals(new float[] {0, 0, 1, 2, 2, 4, 3, 6}, s.toFloatArray());
        // torch.split(arange(7), 3) -> sizes 3, 3, 1; torch.chunk(arange(7), 4) -> sizes 2, 2, 2, 1
        Tensor x = Tensor.arange(7);
        Tensor[] sp = x.split(3, 0);
        assertEquals(3, sp.length);
        assertArrayEquals(new float[] {6}, sp[2].toFloatArray());
        Tensor[] ch = x.chunk(4, 0);
        assertEquals(4, ch.length);
        assertArrayEquals(new float[] {4, 5}, ch[2].toFloatArray());
        Tensor[] ws = x.split(new long[] {4, 0, 3}, 0);
        assertEquals(0, ws[1].numel());
        assertArrayEquals(new float[] {4, 5, 6}, ws[2].toFloatArray());
    }

    @Test
    void catOfManyTensorsJoinsInGroups() {
        Tensor[] ts = new Tensor[600];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = Tensor.full(i, 1);
        }
        Tensor c = Tensor.cat(0, ts);
        assertEquals(Shape.of(600), c.shape());
        assertEquals(599.0 * 600 / 2, c.sum().item(), 1e-3);
        Tensor st = Tensor.stack(-1, ts);
        assertEquals(Shape.of(1, 600), st.shape());
        assertEquals(599.0, st.select(1, 599).item());
    }

    @Test
    void splitGradientHasZerosForUnusedPieces() {
        Tensor x = Tensor.ones(2, 5).requiresGrad(true);
        Tensor[] p = x.chunk(3, 1); // column sizes 2, 2, 1
        // y = 3 * sum(p[1]): dy/dx = 3 on columns 2 and 3, 0 elsewhere
        p[1].sum().mul(3).backward();
        assertArrayEquals(new float[] {0, 0, 3, 3, 0, 0, 0, 3, 3, 0}, x.grad().toFloatArray());
        assertEquals("SplitBackward0", p[0].gradFn());
    }

    @Test
    void indexOps() {
        Tensor x = iota(3, 4); // x[i][j] = 4i + j
        // x.index_select(1, [3, 0, 3]) = [[3, 0, 3], [7, 4, 7], [11, 8, 11]]
        assertArrayEquals(new float[] {3, 0, 3, 7, 4, 7, 11, 8, 11}, x.indexSelect(1, idx(3, 0, 3)).toFloatArray());
        // gather dim 1 with index [[1, 1], [0, 3]]: [[x00+1, x01], ...] = [[1, 1], [4, 7]]
        Tensor g = x.narrow(0, 0, 2).gather(1, idx(1, 1, 0, 3).reshape(2, 2));
        assertArrayEquals(new float[] {1, 1, 4, 7}, g.toFloatArray());
        // scatter_add into zeros(2, 3) along dim 1 at [[0, 0], [2, 1]] of [[1, 2], [3, 4]]: [[3, 0, 0], [0, 4, 3]]
        Tensor sa = Tensor.zeros(2, 3).scatterAdd(1, idx(0, 0, 2, 1).reshape(2, 2), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new float[] {3, 0, 0, 0, 4, 3}, sa.toFloatArray());
        // masked_fill with a row mask broadcast over rows
        Tensor m = Tensor.of(new float[] {1, 0, 0, 1}).to(DType.BOOL);
        assertArrayEquals(new float[] {-1, 1, 2, -1}, x.select(0, 0).maskedFill(m, -1).toFloatArray());
    }

    @Test
    void indexGradients() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        // y = sum(x[[2, 0, 2]] * [1, 10, 100]): dy/dx0 = 10, dy/dx1 = 0, dy/dx2 = 1 + 100 (repeats add)
        x.indexSelect(0, idx(2, 0, 2)).mul(Tensor.of(new float[] {1, 10, 100})).sum().backward();
        assertArrayEquals(new float[] {10, 0, 101}, x.grad().toFloatArray());
        Tensor y = Tensor.ones(2, 2).requiresGrad(true);
        // masked positions get no gradient: d/dy sum(masked_fill(y, m, 5) * 2) = 2 where m is false
        Tensor m = Tensor.of(new float[] {0, 1}).to(DType.BOOL);
        y.maskedFill(m, 5).mul(2).sum().backward();
        assertArrayEquals(new float[] {2, 0, 2, 0}, y.grad().toFloatArray());
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor x = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.select(1, 3));
        assertContains(e.getMessage(), "select", "index 3", "[2, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> x.narrow(1, 2, 2));
        assertContains(e.getMessage(), "narrow", "exceeds dimension size (3)", "[2, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> x.slice(0, 0, 2, 0));
        assertContains(e.getMessage(), "slice", "step must be positive");
        e = assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0));
        assertContains(e.getMessage(), "permute", "duplicate");
        ShapeMismatchException se = assertThrows(ShapeMismatchException.class, () -> x.permute(0));
        assertContains(se.getMessage(), "permute", "[2, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> x.unsqueeze(3));
        assertContains(e.getMessage(), "unsqueeze", "[-3, 2]");
        se = assertThrows(ShapeMismatchException.class, () -> Tensor.cat(0, x, Tensor.zeros(2, 4)));
        assertContains(se.getMessage(), "cat", "[2, 3]", "[2, 4]", "tensor number 1");
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0));
        assertContains(e.getMessage(), "cat", "non-empty");
        se = assertThrows(ShapeMismatchException.class, () -> Tensor.stack(0, x, Tensor.zeros(3, 2)));
        assertContains(se.getMessage(), "stack", "[2, 3]", "[3, 2]");
        e = assertThrows(IllegalArgumentException.class, () -> x.split(new long[] {1, 1}, 1));
        assertContains(e.getMessage(), "split_with_sizes", "sum exactly to 3");
        e = assertThrows(IllegalArgumentException.class, () -> x.chunk(0, 0));
        assertContains(e.getMessage(), "chunk", "greater than 0");
    }

    @Test
    void indexErrorsNameOpIndexAndSize() {
        Tensor x = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.indexSelect(1, idx(0, 5)));
        assertContains(e.getMessage(), "index_select", "index 5", "size 3");
        e = assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, idx(-1)));
        assertContains(e.getMessage(), "index_select", "index -1", "size 2");
        e = assertThrows(IllegalArgumentException.class, () -> x.gather(0, idx(0, 2).reshape(1, 2)));
        assertContains(e.getMessage(), "gather", "index 2", "dimension 0", "size 2");
        e = assertThrows(IllegalArgumentException.class,
                () -> x.scatterAdd(1, idx(7).reshape(1, 1), Tensor.ones(1, 1)));
        assertContains(e.getMessage(), "scatter_add", "index 7", "size 3");
        e = assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, Tensor.of(new float[] {0})));
        assertContains(e.getMessage(), "index_select", "int64");
        e = assertThrows(IllegalArgumentException.class, () -> x.maskedFill(Tensor.ones(3), 0));
        assertContains(e.getMessage(), "masked_fill", "bool");
        ShapeMismatchException se = assertThrows(ShapeMismatchException.class,
                () -> x.maskedFill(Tensor.ones(2).to(DType.BOOL), 0));
        assertContains(se.getMessage(), "masked_fill", "[2, 3]", "[2]");
        se = assertThrows(ShapeMismatchException.class, () -> x.gather(1, idx(0, 0, 0).reshape(3, 1)));
        assertContains(se.getMessage(), "gather", "[3, 1]", "[2, 3]");
    }
}
