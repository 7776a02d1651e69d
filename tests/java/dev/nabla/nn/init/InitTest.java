package dev.nabla.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.nn.init.Init.FanMode;
import dev.nabla.nn.init.Init.Nonlinearity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** torch.nn.init equivalents: fans, gains, and the statistics of each distribution for a fixed seed. */
class InitTest {
    private long liveBefore;
    private TensorScope scope;

    @BeforeEach
    void open() {
        liveBefore = Nabla.liveTensors();
        scope = TensorScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
        assertTrue(GradMode.isEnabled(), "grad mode leaked");
        assertEquals(liveBefore, Nabla.liveTensors(), "native tensors leaked by the test");
    }

    /** Mean and (population) variance. */
    private static double[] stats(Tensor t) {
        double[] v = t.toDoubleArray();
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - m) * (x - m);
        }
        return new double[] {m, var / v.length};
    }

    private static double absMax(Tensor t) {
        double m = 0;
        for (double x : t.toDoubleArray()) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void fanInAndFanOut() {
        // Linear weight [out, in]: fan_in = in, fan_out = out
        assertEquals(new Init.Fans(4, 3), Init.calculateFanInAndFanOut(Tensor.zeros(3, 4)));
        // Conv weight [out=16, in=8, 3, 5]: receptive field 15; fan_in = 8·15 = 120, fan_out = 16·15 = 240
        assertEquals(new Init.Fans(120, 240), Init.calculateFanInAndFanOut(Tensor.zeros(16, 8, 3, 5)));
        var e = assertThrows(IllegalArgumentException.class, () -> Init.calculateFanInAndFanOut(Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("fewer than 2 dimensions") && e.getMessage().contains("[5]"), e.getMessage());
    }

    @Test
    void gains() {
        assertEquals(1.0, Init.calculateGain(Nonlinearity.LINEAR));
        assertEquals(1.0, Init.calculateGain(Nonlinearity.CONV2D));
        assertEquals(1.0, Init.calculateGain(Nonlinearity.SIGMOID));
        assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.TANH));
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU));
        assertEquals(0.75, Init.calculateGain(Nonlinearity.SELU));
        // leaky_relu: sqrt(2 / (1 + slope²)), slope 0.01 by default
        assertEquals(Math.sqrt(2 / (1 + 0.0001)), Init.calculateGain(Nonlinearity.LEAKY_RELU), 1e-15);
        assertEquals(Math.sqrt(2 / 1.25), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0.5), 1e-15);
        // nn.Linear's a = sqrt(5): gain = sqrt(2/6) = sqrt(1/3)
        assertEquals(Math.sqrt(1.0 / 3), Init.calculateGain(Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
    }

    @Test
    void uniformBoundsAndMoments() {
        try (Generator g = new Generator(1)) {
            Tensor t = Init.uniform(Tensor.zeros(DType.FLOAT64, 200, 100), -2, 3, g);
            for (double x : t.toDoubleArray()) {
                assertTrue(x >= -2 && x < 3, "out of [-2, 3): " + x);
            }
            // U(a, b): mean (a+b)/2 = 0.5, variance (b-a)²/12 = 25/12; 20000 samples: se(mean) ≈ 0.01
            double[] s = stats(t);
            assertEquals(0.5, s[0], 0.05);
            assertEquals(25.0 / 12, s[1], 0.08);
        }
    }

    @Test
    void normalMoments() {
        Nabla.manualSeed(7);
        Tensor t = Init.normal(Tensor.zeros(200, 100), 1, 2);
        // N(1, 4): se(mean) = 2/sqrt(20000) ≈ 0.014, se(var) ≈ 4·sqrt(2/20000) = 0.04
        double[] s = stats(t);
        assertEquals(1, s[0], 0.07);
        assertEquals(4, s[1], 0.2);
    }

    @Test
    void kaimingUniformBoundAndVariance() {
        try (Generator g = new Generator(2)) {
            Tensor w = Init.kaimingUniform(Tensor.zeros(256, 512), 0, FanMode.FAN_IN, Nonlinearity.RELU, g);
            // gain √2, fan_in 512: bound = √3·√2/√512 = √(6/512); variance = bound²/3 = 2/512
            double bound = Math.sqrt(6.0 / 512);
            assertTrue(absMax(w) <= bound * (1 + 1e-6));
            assertTrue(absMax(w) > 0.99 * bound);
            assertEquals(2.0 / 512, stats(w)[1], 2.0 / 512 * 0.03);
        }
    }

    @Test
    void kaimingNormalFanOut() {
        try (Generator g = new Generator(3)) {
            Tensor w = Init.kaimingNormal(Tensor.zeros(DType.FLOAT64, 128, 64, 3, 3), 0, FanMode.FAN_OUT,
                    Nonlinearity.RELU, g);
            // fan_out = 128·9 = 1152; std = √2/√1152 → variance 2/1152
            double[] s = stats(w);
            assertEquals(0, s[0], 0.002);
            assertEquals(2.0 / 1152, s[1], 2.0 / 1152 * 0.03);
        }
    }

    @Test
    void kaimingDefaultsAreLinearLayerFriendly() {
        Nabla.manualSeed(0);
        Tensor w = Init.kaimingUniform(Tensor.zeros(64, 100));
        // defaults a = 0, fan_in, leaky_relu: gain √2, bound = √(6/100)
        assertTrue(absMax(w) <= Math.sqrt(6.0 / 100) * (1 + 1e-6));
        Tensor e = Init.kaimingUniform(Tensor.zeros(0, 3)); // zero elements: a no-op, as in PyTorch
        assertEquals(0, e.numel());
    }

    @Test
    void xavier() {
        try (Generator g = new Generator(4)) {
            Tensor u = Init.xavierUniform(Tensor.zeros(300, 200), 1.0, g);
            // a = √(6/(fan_in + fan_out)) = √(6/500); variance = 2/500
            assertTrue(absMax(u) <= Math.sqrt(6.0 / 500) * (1 + 1e-6));
            assertEquals(2.0 / 500, stats(u)[1], 2.0 / 500 * 0.03);
            Tensor n = Init.xavierNormal(Tensor.zeros(300, 200), 2.0, g);
            // std = 2·√(2/500) → variance 4·2/500 = 8/500
            assertEquals(8.0 / 500, stats(n)[1], 8.0 / 500 * 0.03);
        }
    }

    @Test
    void constantsAndParametersThatRequireGrad() {
        Tensor w = Tensor.zeros(2, 3).requiresGrad(true);
        long v0 = w.version();
        Init.ones(w);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, w.toDoubleArray());
        Init.constant(w, 0.5);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, w.toDoubleArray());
        Init.zeros(w);
        assertArrayEquals(new double[6], w.toDoubleArray());
        Init.xavierUniform(w);
        assertTrue(w.version() > v0);
        assertTrue(w.isLeaf() && w.requiresGrad());
    }

    @Test
    void sameSeedSameValues() {
        Tensor a;
        Tensor b;
        try (Generator g = new Generator(42)) {
            a = Init.normal(Tensor.zeros(DType.FLOAT64, 10), 0, 1, g);
            g.manualSeed(42);
            b = Init.normal(Tensor.zeros(DType.FLOAT64, 10), 0, 1, g);
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
            Tensor c = Init.normal(Tensor.zeros(DType.FLOAT64, 10), 0, 1, g);
            assertNotEquals(a.toDoubleArray()[0], c.toDoubleArray()[0]);
        }
    }
}
