package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PrintOptions change toString() as torch.set_printoptions changes print(); expected strings are PyTorch's. */
class PrintOptionsTest extends NablaTestBase {

    @AfterEach
    void resetOptions() {
        PrintOptions.reset();
    }

    @Test
    void defaultsArePyTorchs() {
        PrintOptions d = PrintOptions.defaults();
        assertEquals(4, d.precision());
        assertEquals(1000, d.threshold());
        assertEquals(3, d.edgeItems());
        assertEquals(80, d.lineWidth());
        assertEquals(null, d.sciMode());
        assertSame(PrintOptions.DEFAULT, PrintOptions.current());
    }

    @Test
    void precision() {
        PrintOptions.set(PrintOptions.defaults().withPrecision(2));
        assertEquals("tensor([0.12, 2.50])", Tensor.of(new float[] {0.12345f, 2.5f}).toString());
        PrintOptions.set(PrintOptions.defaults().withPrecision(6));
        assertEquals("tensor([0.333333, 2.000000], dtype=torch.float64)", Tensor.of(new double[] {1.0 / 3, 2}).toString());
        // Scientific notation follows the precision too: f"{1e-5:.2e}".
        Nabla.setPrintOptions(PrintOptions.defaults().withPrecision(2));
        assertEquals("tensor([1.00e-05, 1.00e+00])", Tensor.of(new float[] {1e-5f, 1}).toString());
        PrintOptions.set(PrintOptions.defaults().withPrecision(0));
        assertEquals("tensor([0, 2])", Tensor.of(new float[] {0.25f, 1.5f}).toString()); // half-even: 2
        assertEquals("1e-05", TensorFormatter.sci(1e-5, 0));
    }

    @Test
    void thresholdAndEdgeItems() {
        PrintOptions.set(PrintOptions.defaults().withThreshold(5).withEdgeItems(2));
        assertEquals("tensor([0., 1.,  ..., 8., 9.])", Tensor.arange(10).toString());
        assertEquals("tensor([0., 1., 2., 3., 4.])", Tensor.arange(5).toString()); // not above the threshold
        assertEquals("tensor([[ 0.,  1.,  ...,  4.,  5.],\n"
                        + "        [ 6.,  7.,  ..., 10., 11.],\n"
                        + "        ...,\n"
                        + "        [24., 25.,  ..., 28., 29.],\n"
                        + "        [30., 31.,  ..., 34., 35.]])",
                Tensor.arange(36).reshape(6, 6).toString());
        PrintOptions.set(PrintOptions.defaults().withThreshold(5).withEdgeItems(0));
        assertEquals("tensor([...])", Tensor.arange(10).toString());
        assertEquals("tensor([...])", Tensor.arange(36).reshape(6, 6).toString());
    }

    @Test
    void profiles() {
        PrintOptions.set(PrintOptions.FULL);
        String full = Tensor.arange(0, 1200, 1, DType.INT64).toString();
        assertFalse(full.contains("..."), full);
        assertTrue(full.endsWith("1197, 1198, 1199])"), full);
        PrintOptions.set(PrintOptions.SHORT);
        assertEquals("tensor([   0,    1,  ..., 1998, 1999])", Tensor.arange(0, 2000, 1, DType.INT64).toString());
        assertEquals("tensor([0.33, 0.67])", Tensor.of(new float[] {1f / 3, 2f / 3}).toString());
        PrintOptions.reset();
        assertEquals("tensor([0.3333, 0.6667])", Tensor.of(new float[] {1f / 3, 2f / 3}).toString());
    }

    @Test
    void lineWidthWrapsRowsAndSuffixes() {
        PrintOptions.set(PrintOptions.defaults().withLineWidth(20));
        // (20 - 7) / len("0., ") = 3 per line.
        assertEquals("tensor([0., 1., 2.,\n        3., 4., 5.,\n        6., 7., 8.,\n        9.])", Tensor.arange(10).toString());
        assertEquals("tensor([1., 2.],\n       dtype=torch.float64)", Tensor.of(new double[] {1, 2}).toString());
    }

    @Test
    void sciModeForcedOnOrOff() {
        Nabla.setPrintOptions(PrintOptions.defaults().withSciMode(true));
        assertEquals("tensor([1.0000e+00, 2.5000e+00])", Tensor.of(new float[] {1, 2.5f}).toString());
        assertEquals("tensor([1.0000e+00, 3.0000e+00])", Tensor.of(new float[] {1, 3}).toString());
        // PyTorch decides before sci_mode applies when there is no nonzero finite value.
        assertEquals("tensor([0., 0.])", Tensor.zeros(2).toString());
        assertEquals("tensor([1, 2])", Tensor.arange(1, 3, 1, DType.INT64).toString()); // integers never
        Nabla.setPrintOptions(PrintOptions.defaults().withSciMode(false));
        // The width was measured in the automatic (scientific) format, as PyTorch does.
        assertEquals("tensor([    0.0000,     1.0000,     2.5000], dtype=torch.float64)",
                Tensor.of(new double[] {1e-5, 1, 2.5}).toString());
        Nabla.resetPrintOptions();
        assertEquals("tensor([1.0000e-05, 1.0000e+00, 2.5000e+00], dtype=torch.float64)",
                Tensor.of(new double[] {1e-5, 1, 2.5}).toString());
    }

    @Test
    void badValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PrintOptions.defaults().withPrecision(-1));
        assertThrows(IllegalArgumentException.class, () -> PrintOptions.defaults().withLineWidth(0));
        assertThrows(IllegalArgumentException.class, () -> PrintOptions.defaults().withEdgeItems(-1));
        assertThrows(IllegalArgumentException.class, () -> PrintOptions.defaults().withThreshold(-1));
        assertThrows(NullPointerException.class, () -> PrintOptions.set(null));
    }
}
