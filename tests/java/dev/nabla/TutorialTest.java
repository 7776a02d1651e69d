package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The three tasks of the PyTorch autograd tutorial, with the values and strings PyTorch prints. */
class TutorialTest extends NablaTestBase {

    @Test
    void task1_operationsRecordTheGraph() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        assertEquals("tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)", x.toString());
        assertTrue(x.isLeaf());
        assertNull(x.gradFn());

        Tensor y = x.add(2);
        Tensor z = y.mul(y).mul(3);
        Tensor out = z.mean();

        assertArrayEquals(new float[] {3, 3, 3, 3}, y.toFloatArray());
        assertEquals("AddBackward0", y.gradFn());
        assertEquals("tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)", y.toString());

        assertArrayEquals(new float[] {27, 27, 27, 27}, z.toFloatArray());
        assertEquals("MulBackward0", z.gradFn());
        assertEquals("tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)", z.toString());

        assertEquals(27.0, out.item());
        assertEquals("MeanBackward0", out.gradFn());
        assertEquals("tensor(27., grad_fn=<MeanBackward0>)", out.toString());
        assertEquals(Shape.of(), out.shape());
    }

    @Test
    void task2_backwardGivesDOutDx() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y = x.add(2);
        Tensor out = y.mul(y).mul(3).mean();
        out.backward();
        // out = 1/4 sum 3 (x + 2)^2, so d(out)/dx = 3/2 (x + 2) = 4.5 at x = 1
        assertArrayEquals(new float[] {4.5f, 4.5f, 4.5f, 4.5f}, x.grad().toFloatArray());
        assertEquals("tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])", x.grad().toString());
        assertNull(y.grad(), "a non-leaf keeps no .grad without retainGrad()");
    }

    @Test
    void task3_gradientDescentLowersTheLoss() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y = x.add(2);
        Tensor w;
        Tensor b;
        try (Generator g = new Generator(0)) {
            w = Tensor.randn(g, DType.FLOAT32, 1).requiresGrad(true);
            b = Tensor.randn(g, DType.FLOAT32, 1).requiresGrad(true);
        }
        double learningRate = 0.01;
        double previous = Double.POSITIVE_INFINITY;
        for (int epoch = 0; epoch < 100; epoch++) {
            try (TensorScope scope = TensorScope.open()) {
                Tensor yPred = w.mul(x).add(b);
                Tensor loss = yPred.sub(y).pow(2).mean();
                double value = loss.item();
                assertTrue(value < previous, "loss went up at epoch " + epoch + ": " + value + " >= " + previous);
                previous = value;
                loss.backward();
                try (var noGrad = GradMode.noGrad()) {
                    w.subInPlace(w.grad().mul(learningRate));
                    b.subInPlace(b.grad().mul(learningRate));
                }
                w.grad().zeroInPlace();
                b.grad().zeroInPlace();
            }
        }
        // y_pred = w + b everywhere and y = 3: the loss (w + b - 3)^2 shrinks by (1 - 4 lr)^2 per epoch.
        assertTrue(previous < 1.0, "loss after 100 epochs: " + previous);
        assertEquals(3.0, w.item() + b.item(), Math.sqrt(previous) * 1.01 + 1e-4);
    }
}
