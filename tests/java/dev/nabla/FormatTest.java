package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** toString() prints what PyTorch's print() prints for the same tensor. */
class FormatTest extends NablaTestBase {

    @Test
    void integerValuedFloatsPrintWithATrailingDot() {
        assertEquals("tensor([0., 1., 2., 3., 4.])", Tensor.arange(5).toString());
        assertEquals("tensor([ 1., -2.])", Tensor.of(new float[] {1, -2}).toString());
        assertEquals("tensor([0., 0., 0.])", Tensor.zeros(3).toString());
    }

    @Test
    void otherFloatsPrintWithFourDecimals() {
        assertEquals("tensor([0.1000, 2.5000])", Tensor.of(new float[] {0.1f, 2.5f}).toString());
        assertEquals("tensor([-0.5000,  1.2500])", Tensor.of(new float[] {-0.5f, 1.25f}).toString());
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5).toString());
    }

    @Test
    void wideRangesPrintInScientificNotation() {
        assertEquals("tensor([1.0000e-05, 1.0000e+00, 2.5000e+00], dtype=torch.float64)",
                Tensor.of(new double[] {1e-5, 1, 2.5}).toString());
        assertEquals("tensor([1.0000e+10, 1.0000e+00])", Tensor.of(new float[] {1e10f, 1}).toString());
    }

    @Test
    void nonFiniteValues() {
        assertEquals("tensor([nan, 1., inf])", Tensor.of(new float[] {Float.NaN, 1, Float.POSITIVE_INFINITY}).toString());
    }

    @Test
    void higherDimensionsSeparateBlocksWithBlankLines() {
        assertEquals("tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])",
                Tensor.ones(2, 2, 2).toString());
    }

    @Test
    void longRowsWrapAtEightyColumns() {
        assertEquals("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                        + "        14., 15., 16., 17., 18., 19.])",
                Tensor.arange(20).toString());
    }

    @Test
    void largeTensorsAreSummarized() {
        assertEquals("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                        + "        1.9990e+03])",
                Tensor.arange(2000).toString());
        assertEquals("tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n"
                        + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                        + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                        + "        ...,\n"
                        + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                        + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                        + "        [0., 0., 0.,  ..., 0., 0., 0.]])",
                Tensor.zeros(100, 100).toString());
    }

    @Test
    void suffixes() {
        assertEquals("tensor([1., 2.], dtype=torch.float64, requires_grad=True)",
                Tensor.of(new double[] {1, 2}).requiresGrad(true).toString());
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertEquals("tensor([2., 2.], grad_fn=<MulBackward0>)", x.mul(2).toString());
        assertEquals("tensor(2., grad_fn=<SumBackward0>)", x.sum().toString());
        assertEquals("tensor([1., 1.])", x.detach().toString());
    }

    @Test
    void integerAndBoolTensors() {
        assertEquals("tensor([0, 1, 2, 3, 4])", Tensor.arange(0, 5, 1, DType.INT64).toString());
        assertEquals("tensor([-3, 10])", Tensor.of(new float[] {-3, 10}).to(DType.INT64).toString());
        assertEquals("tensor([False, False])", Tensor.zeros(DType.BOOL, 2).toString());
        assertEquals("tensor([True, True])", Tensor.ones(DType.BOOL, 2).toString());
    }

    @Test
    void transposedTensorsPrintTheirLogicalLayout() {
        assertEquals("tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])",
                Tensor.arange(6).reshape(2, 3).t().toString());
    }

    @Test
    void roundingIsHalfEvenOnTheExactBinaryValue() {
        // 0.125 is exact in binary: Python's "%.4f" keeps it; 2.00005 is a bit below the tie in float64.
        assertEquals("tensor([0.1250, 2.0000], dtype=torch.float64)", Tensor.of(new double[] {0.125, 2.00005}).toString());
        assertEquals("0.12", TensorFormatter.fixed(0.125, 2));
        assertEquals("1.0000e-05", TensorFormatter.sci(1e-5, 4));
        assertEquals("-2.5000e+12", TensorFormatter.sci(-2.5e12, 4));
    }

    @Test
    void int64TensorsPrintLikePyTorch() {
        // int64 is the default integer type: no dtype suffix; values right-aligned to the widest.
        assertEquals("tensor([  1, -20, 300])", Tensor.of(new float[] {1, -20, 300}).to(DType.INT64).toString());
        assertEquals("tensor([[0, 1, 2],\n        [3, 4, 5]])", Tensor.arange(0, 6, 1, DType.INT64).reshape(2, 3).toString());
        assertEquals("tensor(7)", Tensor.full(7, DType.INT64).toString());
        assertEquals("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])", Tensor.arange(0, 2000, 1, DType.INT64).toString());
        assertEquals("tensor([], dtype=torch.int64)", Tensor.zeros(DType.INT64, 0).toString());
        // Large values never switch to scientific notation.
        assertEquals("tensor([          1, 10000000000])", Tensor.of(new double[] {1, 1e10}).to(DType.INT64).toString());
    }

    @Test
    void boolTensorsPrintLikePyTorch() {
        assertEquals("tensor([ True, False])", Tensor.of(new float[] {1, 0}).to(DType.BOOL).toString());
        assertEquals("tensor([[False,  True],\n        [ True, False]])",
                Tensor.of(new float[] {0, 2, -1, 0}, 2, 2).to(DType.BOOL).toString());
        assertEquals("tensor(True)", Tensor.full(1, DType.BOOL).toString());
        assertEquals("tensor([], dtype=torch.bool)", Tensor.zeros(DType.BOOL, 0).toString());
    }

    @Test
    void float64CarriesItsDtypeSuffix() {
        assertEquals("tensor([1.5000, 2.0000], dtype=torch.float64)", Tensor.of(new double[] {1.5, 2}).toString());
        assertEquals("tensor(3., dtype=torch.float64)", Tensor.full(3, DType.FLOAT64).toString());
        assertEquals("tensor([], dtype=torch.float64)", Tensor.zeros(DType.FLOAT64, 0).toString());
        assertEquals("tensor([], size=(2, 0))", Tensor.zeros(2, 0).toString());
    }
}
