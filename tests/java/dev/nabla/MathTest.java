package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The elementwise family: hand-derived values and gradients, dtypes and promotion, NaN/inf, errors. */
class MathTest extends NablaTestBase {

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    private static double[] grad(Tensor x) {
        return x.grad().toDoubleArray();
    }

    @Test
    void tanhSigmoidExpAtOne() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        Tensor y = x.tanh();
        assertEquals(0.7615941559557649, y.item(), 1e-15); // tanh 1
        y.sum().backward();
        // d/dx tanh x = 1 - tanh^2 x = 1 - 0.76159^2 = 0.41997 at x = 1
        assertEquals(0.41997434161402614, x.grad().item(), 1e-15);
        x.zeroGrad();
        x.sigmoid().sum().backward();
        // sigmoid(1) = 0.73106; d/dx = s (1 - s) = 0.19661
        assertEquals(0.19661193324148185, x.grad().item(), 1e-15);
        x.zeroGrad();
        x.exp().sum().backward();
        // d/dx e^x = e^x = 2.71828 at x = 1
        assertEquals(Math.E, x.grad().item(), 1e-15);
    }

    @Test
    void logSqrtReciprocalSquare() {
        Tensor x = Tensor.of(new double[] {4}).requiresGrad(true);
        // y = log x + sqrt x + 1/x + x^2: dy/dx = 1/x + 1/(2 sqrt x) - 1/x^2 + 2x = 0.25 + 0.25 - 0.0625 + 8
        Tensor y = x.log().add(x.sqrt()).add(x.reciprocal()).add(x.square());
        assertEquals(Math.log(4) + 2 + 0.25 + 16, y.item(), 1e-12);
        y.sum().backward();
        assertEquals(8.4375, x.grad().item(), 1e-12);
        x.zeroGrad();
        // d/dx x^(-1/2) = -x^(-3/2) / 2 = -1/16; d/dx log(1 + x) = 1/5
        x.rsqrt().add(x.log1p()).sum().backward();
        assertEquals(-0.0625 + 0.2, x.grad().item(), 1e-12);
    }

    @Test
    void activationsAndTheirGradients() {
        Tensor x = Tensor.of(new double[] {-2, 3}).requiresGrad(true);
        assertArrayEquals(new double[] {0, 3}, x.relu().toDoubleArray());
        // leaky_relu with slope 0.1: [-0.2, 3], gradient [0.1, 1]
        Tensor l = x.leakyRelu(0.1);
        assertArrayEquals(new double[] {-0.2, 3}, l.toDoubleArray(), 1e-15);
        l.sum().backward();
        assertArrayEquals(new double[] {0.1, 1}, grad(x), 1e-15);
        x.zeroGrad();
        // elu alpha 2: 2 (e^-2 - 1) = -1.72933; gradient 2 e^-2 = 0.27067 for x < 0, 1 above
        Tensor e = x.elu(2);
        assertEquals(2 * Math.expm1(-2), e.toDoubleArray()[0], 1e-15);
        e.sum().backward();
        assertArrayEquals(new double[] {2 * Math.exp(-2), 1}, grad(x), 1e-15);
        x.zeroGrad();
        // silu x = x sigmoid x: at -2, -2 * 0.11920 = -0.23841; d/dx = s (1 + x (1 - s)) = -0.09078
        Tensor s = x.silu();
        assertEquals(-0.2384058440442351, s.toDoubleArray()[0], 1e-15);
        s.sum().backward();
        assertEquals(-0.09078424878489568, grad(x)[0], 1e-15);
        x.zeroGrad();
        // softplus: log(1 + e^-2) = 0.12693; d/dx = sigmoid(-2) = 0.11920
        Tensor sp = x.softplus();
        assertEquals(0.1269280110429725, sp.toDoubleArray()[0], 1e-15);
        sp.sum().backward();
        assertEquals(0.11920292202211755, grad(x)[0], 1e-15);
    }

    @Test
    void geluExactAndTanh() {
        Tensor x = Tensor.of(new double[] {1}).requiresGrad(true);
        // gelu 1 = Phi(1) = 0.841345; d/dx = Phi(1) + phi(1) = 0.841345 + 0.241971 = 1.083316
        Tensor g = x.gelu();
        assertEquals(0.8413447460685429, g.item(), 1e-15);
        g.sum().backward();
        assertEquals(1.0833154705876864, x.grad().item(), 1e-14);
        x.zeroGrad();
        // tanh form: u = sqrt(2/pi) (1 + 0.044715) = 0.833554, gelu = (1 + tanh u)/2 = 0.841192
        Tensor t = x.gelu("tanh");
        assertEquals(0.8411919906082768, t.item(), 1e-14);
        assertThrows(IllegalArgumentException.class, () -> x.gelu("erf"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.gelu("erf"));
        assertTrue(e.getMessage().contains("gelu") && e.getMessage().contains("none or tanh"), e.getMessage());
    }

    @Test
    void clampPassesTheGradientInsideTheBoundsIncluded() {
        Tensor x = Tensor.of(new double[] {-1, -0.5, 0, 0.5, 1}).requiresGrad(true);
        Tensor c = x.clamp(-0.5, 0.5);
        assertArrayEquals(new double[] {-0.5, -0.5, 0, 0.5, 0.5}, c.toDoubleArray());
        c.sum().backward();
        // PyTorch: 1 where min <= x <= max, bounds included
        assertArrayEquals(new double[] {0, 1, 1, 1, 0}, grad(x));
        assertArrayEquals(new double[] {0, 0, 0, 0.5, 1}, x.clampMin(0).toDoubleArray());
        assertArrayEquals(new double[] {-1, -0.5, 0, 0, 0}, x.clampMax(0).toDoubleArray());
        // min > max: max everywhere
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, x.clamp(1, 0).toDoubleArray());
    }

    @Test
    void absAndSignAtZero() {
        Tensor x = Tensor.of(new double[] {-3, 0, 2}).requiresGrad(true);
        x.abs().sum().backward();
        // d/dx |x| = sign x, and 0 at 0
        assertArrayEquals(new double[] {-1, 0, 1}, grad(x));
        assertArrayEquals(new double[] {-1, 0, 1}, x.sign().toDoubleArray());
    }

    @Test
    void sinCos() {
        Tensor x = Tensor.of(new double[] {0.5}).requiresGrad(true);
        // y = sin x + cos x: dy/dx = cos x - sin x = 0.87758 - 0.47943
        x.sin().add(x.cos()).sum().backward();
        assertEquals(Math.cos(0.5) - Math.sin(0.5), x.grad().item(), 1e-15);
    }

    @Test
    void nanAndInfinity() {
        Tensor x = Tensor.of(new double[] {NAN, INF, -INF});
        double[] e = x.exp().toDoubleArray();
        assertTrue(Double.isNaN(e[0]));
        assertEquals(INF, e[1]);
        assertEquals(0.0, e[2]);
        double[] r = x.relu().toDoubleArray();
        assertTrue(Double.isNaN(r[0]), "relu keeps NaN, as torch.relu");
        assertArrayEquals(new double[] {0, 1, -1}, x.sign().toDoubleArray(), "torch.sign(nan) is 0");
        assertTrue(Double.isNaN(x.clamp(-1, 1).toDoubleArray()[0]));
        assertTrue(Double.isNaN(Tensor.of(new double[] {-1}).log().item()));
        assertTrue(Double.isNaN(Tensor.of(new double[] {-1}).sqrt().item()));
        assertEquals(-INF, Tensor.of(new double[] {0}).log().item());
        Tensor m = x.maximum(Tensor.of(new double[] {1, 1, 1}));
        assertTrue(Double.isNaN(m.toDoubleArray()[0]), "maximum propagates NaN");
        assertArrayEquals(new boolean[] {false, true, true}, x.ne(x).logicalNot().toBooleanArray(), "NaN != NaN");
    }

    @Test
    void powWithATensorExponent() {
        Tensor a = Tensor.of(new double[] {2, 0, 0}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 2, 0}).requiresGrad(true);
        Tensor y = a.pow(b);
        assertArrayEquals(new double[] {8, 0, 1}, y.toDoubleArray());
        y.sum().backward();
        // d/da = b a^(b-1): 3 * 4 = 12; 2 * 0 = 0; 0 where b == 0
        assertArrayEquals(new double[] {12, 0, 0}, grad(a));
        // d/db = a^b ln a: 8 ln 2 = 5.54518; 0 where a == 0 and b >= 0 (no NaN from ln 0)
        assertArrayEquals(new double[] {8 * Math.log(2), 0, 0}, grad(b), 1e-14);
    }

    @Test
    void maximumAndMinimumSplitTiesHalfHalf() {
        Tensor a = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {2, 2, 1}).requiresGrad(true);
        Tensor y = a.maximum(b);
        assertArrayEquals(new double[] {2, 2, 3}, y.toDoubleArray());
        y.sum().backward();
        // the larger one gets the gradient, a tie gives half to each
        assertArrayEquals(new double[] {0, 0.5, 1}, grad(a));
        assertArrayEquals(new double[] {1, 0.5, 0}, grad(b));
        a.zeroGrad();
        b.zeroGrad();
        a.minimum(b).sum().backward();
        assertArrayEquals(new double[] {1, 0.5, 0}, grad(a));
        assertArrayEquals(new double[] {0, 0.5, 1}, grad(b));
    }

    @Test
    void whereRoutesTheGradient() {
        Tensor a = Tensor.of(new double[] {1, 2, 3}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {10}).requiresGrad(true);
        Tensor y = Tensor.where(a.gt(1.5), a, b);
        assertArrayEquals(new double[] {10, 2, 3}, y.toDoubleArray());
        y.sum().backward();
        // d/da = mask, d/db = sum of !mask over the broadcast dim
        assertArrayEquals(new double[] {0, 1, 1}, grad(a));
        assertArrayEquals(new double[] {1}, grad(b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.where(a, a, b));
        assertTrue(e.getMessage().contains("where") && e.getMessage().contains("boolean"), e.getMessage());
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class,
                () -> Tensor.where(Tensor.of(new boolean[] {true, false}), a, b));
        assertTrue(s.getMessage().contains("[2]") && s.getMessage().contains("[3]"), s.getMessage());
    }

    @Test
    void secondDerivativesThroughCreateGraph() {
        Tensor x = Tensor.of(new double[] {0.5}).requiresGrad(true);
        // y = tanh x: y' = 1 - t^2, y'' = -2 t (1 - t^2)
        x.tanh().sum().backward(null, false, true);
        Tensor first = x.grad().clone();
        x.zeroGrad();
        first.sum().backward();
        double t = Math.tanh(0.5);
        assertEquals(-2 * t * (1 - t * t), x.grad().item(), 1e-14);
        x.zeroGrad();
        // y = sigmoid x: y'' = s (1 - s) (1 - 2 s)
        x.sigmoid().sum().backward(null, false, true);
        first = x.grad().clone();
        x.zeroGrad();
        first.sum().backward();
        double s = 1 / (1 + Math.exp(-0.5));
        assertEquals(s * (1 - s) * (1 - 2 * s), x.grad().item(), 1e-14);
        x.zeroGrad();
        // y = exp x: y'' = e^x
        x.exp().sum().backward(null, false, true);
        first = x.grad().clone();
        x.zeroGrad();
        first.sum().backward();
        assertEquals(Math.exp(0.5), x.grad().item(), 1e-14);
        x.zeroGrad();
        // y = gelu x: y' = Phi + x phi, y'' = 2 phi - x^2 phi = phi (2 - x^2)
        x.gelu().sum().backward(null, false, true);
        first = x.grad().clone();
        x.zeroGrad();
        first.sum().backward();
        double phi = Math.exp(-0.125) / Math.sqrt(2 * Math.PI);
        assertEquals(phi * (2 - 0.25), x.grad().item(), 1e-14);
    }

    @Test
    void comparisonsGiveBoolTensors() {
        Tensor a = Tensor.of(new float[] {1, 2, 3});
        Tensor b = Tensor.of(new double[] {2}, 1);
        Tensor lt = a.lt(b);
        assertEquals(DType.BOOL, lt.dtype());
        assertArrayEquals(new boolean[] {true, false, false}, lt.toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, false}, a.le(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, true}, a.gt(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.ne(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, a.eq(2).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, false}, a.lt(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, a.ne(2).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, true}, a.gt(2).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true, false}, a.le(2).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true}, a.ge(2).toBooleanArray());
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> a.eq(Tensor.of(new float[] {1, 2})));
        assertTrue(e.getMessage().contains("eq") && e.getMessage().contains("[3]") && e.getMessage().contains("[2]"),
                e.getMessage());
        Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        assertTrue(!x.gt(0).requiresGrad(), "comparisons are not differentiable");
    }

    @Test
    void logicalOpsUseTruthiness() {
        Tensor a = Tensor.of(new double[] {0, 1, NAN, -2});
        Tensor b = Tensor.of(new long[] {0, 0, 1, 5});
        assertArrayEquals(new boolean[] {false, false, true, true}, a.logicalAnd(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true, true}, a.logicalOr(b).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false, false}, a.logicalXor(b).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false, false}, a.logicalNot().toBooleanArray());
    }

    @Test
    void int64AndBoolTensors() {
        Tensor i = Tensor.of(new long[] {7, -7, 3, 4}, 2, 2);
        assertEquals(DType.INT64, i.dtype());
        assertEquals(Shape.of(2, 2), i.shape());
        assertArrayEquals(new long[] {7, -7, 3, 4}, i.toLongArray());
        Tensor m = Tensor.of(new boolean[] {true, false, true});
        assertEquals(DType.BOOL, m.dtype());
        assertArrayEquals(new boolean[] {true, false, true}, m.toBooleanArray());
        assertArrayEquals(new long[] {1, 0, 1}, m.toLongArray());
        assertArrayEquals(new double[] {1, 0, 1}, m.toDoubleArray());
        // conversions between all four dtypes; float -> int64 truncates toward zero
        Tensor f = Tensor.of(new double[] {-2.75, 0, 3.5});
        assertArrayEquals(new long[] {-2, 0, 3}, f.toLongArray());
        assertArrayEquals(new boolean[] {true, false, true}, f.toBooleanArray());
        assertArrayEquals(new float[] {-2, 0, 3}, f.to(DType.INT64).to(DType.FLOAT32).toFloatArray());
        assertArrayEquals(new long[] {1, 0, 1}, f.to(DType.BOOL).to(DType.INT64).toLongArray());
        assertArrayEquals(new boolean[] {true, false, true}, f.to(DType.FLOAT32).to(DType.BOOL).toBooleanArray());
        assertArrayEquals(new long[] {7, 3, -7, 4}, i.t().toLongArray(), "strided int64 reads");
    }

    @Test
    void int64ArithmeticAndTypePromotion() {
        Tensor a = Tensor.of(new long[] {7, -7});
        Tensor b = Tensor.of(new long[] {2, 2});
        assertEquals(DType.INT64, a.add(b).dtype());
        assertArrayEquals(new long[] {9, -5}, a.add(b).toLongArray());
        assertArrayEquals(new long[] {5, -9}, a.sub(b).toLongArray());
        assertArrayEquals(new long[] {14, -14}, a.mul(b).toLongArray());
        // int / int is true division in float32, as torch.div
        Tensor q = a.div(b);
        assertEquals(DType.FLOAT32, q.dtype());
        assertArrayEquals(new float[] {3.5f, -3.5f}, q.toFloatArray());
        // tensor-scalar: an integral number keeps int64, a fractional one gives float32
        assertEquals(DType.INT64, a.add(1).dtype());
        assertArrayEquals(new long[] {8, -6}, a.add(1).toLongArray());
        assertEquals(DType.FLOAT32, a.add(0.5).dtype());
        assertArrayEquals(new float[] {7.5f, -6.5f}, a.add(0.5).toFloatArray());
        assertEquals(DType.FLOAT32, a.div(2).dtype());
        assertArrayEquals(new long[] {49, 49}, a.pow(2).toLongArray());
        // tensor-tensor: bool < int64 < float32 < float64
        Tensor f = Tensor.of(new float[] {0.5f, 0.5f});
        Tensor d = Tensor.of(new double[] {0.25, 0.25});
        Tensor m = Tensor.of(new boolean[] {true, false});
        assertEquals(DType.FLOAT32, a.add(f).dtype());
        assertEquals(DType.FLOAT64, f.add(d).dtype());
        assertEquals(DType.INT64, m.add(a).dtype());
        assertArrayEquals(new long[] {8, -7}, m.add(a).toLongArray());
        assertEquals(DType.FLOAT64, a.mul(d).dtype());
        // gradients flow back through the promotion into the float operand only
        Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        w.mul(a).sum().backward();
        assertArrayEquals(new float[] {7, -7}, w.grad().toFloatArray());
        assertEquals(DType.FLOAT32, a.exp().dtype(), "exp of int64 is float32, as torch");
        assertEquals(DType.INT64, a.abs().dtype());
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor m = Tensor.of(new boolean[] {true, false});
        IllegalArgumentException sub = assertThrows(IllegalArgumentException.class, () -> m.sub(m));
        assertTrue(sub.getMessage().contains("sub") && sub.getMessage().contains("bool"), sub.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> m.neg());
        assertTrue(neg.getMessage().contains("logical_not"), neg.getMessage());
        IllegalArgumentException pow = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new long[] {2}).pow(Tensor.of(new long[] {-1})));
        assertTrue(pow.getMessage().contains("negative integer powers"), pow.getMessage());
        ShapeMismatchException sh = assertThrows(ShapeMismatchException.class,
                () -> Tensor.of(new double[] {1, 2}).maximum(Tensor.of(new double[] {1, 2, 3})));
        assertTrue(sh.getMessage().contains("maximum") && sh.getMessage().contains("[2]") && sh.getMessage().contains("[3]"),
                sh.getMessage());
        ShapeMismatchException of = assertThrows(ShapeMismatchException.class, () -> Tensor.of(new long[] {1, 2, 3}, 2, 2));
        assertTrue(of.getMessage().contains("[2, 2]"), of.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1}).requiresGrad(true));
    }
}
