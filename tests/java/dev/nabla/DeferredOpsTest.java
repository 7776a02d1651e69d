package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Deferred elementwise results as a user sees them: large no-grad chains run fused, with the values and
 * semantics of eager ops. The test JVM defers results of 1 MiB and more (NABLA_FUSE_BYTES in the pom), so
 * 300,000 floats are deferred here.
 */
class DeferredOpsTest extends NablaTestBase {

    private static final int N = 300_000;

    /** Random floats with NaN, infinities and signed zeros among them. */
    private static float[] values(long seed) {
        Random r = new Random(seed);
        float[] v = new float[N];
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
        for (int i = 0; i < N; i++) {
            v[i] = i % 11 == 0 ? specials[(i / 11) % 5] : (float) r.nextGaussian();
        }
        return v;
    }

    /** Equal bits, any NaN matching any NaN. */
    private static void assertSameFloats(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) && Float.isNaN(got[i])) {
                continue;
            }
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    "element " + i + ": want " + want[i] + ", got " + got[i]);
        }
    }

    @Test
    void reluOfAProductPlusATensorIsTheEagerResult() {
        float[] a = values(1), b = values(2), c = values(3);
        float[] want = new float[N];
        for (int i = 0; i < N; i++) {
            float p = a[i] * b[i]; // Java float arithmetic rounds each step, as the eager ops do
            float s = p + c[i];
            want[i] = s < 0 ? 0f : s;
        }
        try (Tensor ta = Tensor.of(a); Tensor tb = Tensor.of(b); Tensor tc = Tensor.of(c);
                Tensor ab = ta.mul(tb); Tensor s = ab.add(tc); Tensor r = s.relu()) {
            assertEquals(3, Nabla.deferredTensors(), "a*b, +c and relu wait for a read");
            assertSameFloats(want, r.toFloatArray());
            assertEquals(2, Nabla.deferredTensors(), "reading r computes r alone");
        }
        assertEquals(0, Nabla.deferredTensors());
    }

    @Test
    void operandsClosedBeforeTheReadStillGiveTheirValues() {
        float[] a = values(4);
        Tensor r;
        try (Tensor ta = Tensor.of(a); Tensor twice = ta.mul(2.0)) {
            r = twice.add(1.0);
        }
        float[] want = new float[N];
        for (int i = 0; i < N; i++) {
            want[i] = a[i] * 2f + 1f;
        }
        assertSameFloats(want, r.toFloatArray());
        r.close();
    }

    @Test
    void writesThroughADataSegmentComeAfterEarlierOpsAndBeforeLaterOnes() {
        try (Tensor a = Tensor.full(3.0, N); Tensor before = a.mul(a)) {
            assertEquals(1, Nabla.deferredTensors());
            MemorySegment seg = a.data(); // may be written at any time from now on
            assertEquals(0, Nabla.deferredTensors(), "what reads a is computed first");
            seg.setAtIndex(JAVA_FLOAT, 0, 100f);
            try (Tensor after = a.add(a)) {
                assertEquals(0, Nabla.deferredTensors(), "a read of exported memory is never deferred");
                seg.setAtIndex(JAVA_FLOAT, 1, 50f);
                assertEquals(9f, before.toFloatArray()[0]);
                assertEquals(200f, after.toFloatArray()[0]);
                assertEquals(6f, after.toFloatArray()[1], "after saw a as it was when the op ran");
            }
        }
    }

    @Test
    void inPlaceUpdatesComeAfterEarlierOps() {
        try (Tensor a = Tensor.full(3.0, N); Tensor one = Tensor.ones(N); Tensor t = a.mul(a)) {
            a.addInPlace(one);
            a.addInPlace(5.0);
            assertEquals(9f, t.toFloatArray()[N - 1]);
            assertEquals(9f, a.toFloatArray()[N - 1]);
        }
    }

    @Test
    void recordedOpsRunAtOnceAndBackwardReadsDeferredOperands() {
        try (Tensor w = Tensor.full(2.0, N).requiresGrad(true); Tensor x = Tensor.full(3.0, N);
                Tensor x2 = x.mul(x)) {
            assertEquals(1, Nabla.deferredTensors());
            try (Tensor y = w.mul(x2); Tensor loss = y.sum()) {
                assertEquals(0, Nabla.deferredTensors(), "w.mul records a graph: computed at once, reading x2");
                loss.backward();
                float[] g = w.grad().toFloatArray();
                assertArrayEquals(new float[] {9f, 9f}, new float[] {g[0], g[N - 1]});
            }
            try (GradMode.Guard ignored = GradMode.noGrad(); Tensor z = w.mul(x)) {
                assertTrue(Nabla.deferredTensors() >= 1, "no grad: deferred");
                assertEquals(6f, z.toFloatArray()[7]);
            }
        }
    }
}
