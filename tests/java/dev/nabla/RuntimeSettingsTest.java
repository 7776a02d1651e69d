package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Thread count (torch.set_num_threads / get_num_threads) and the buffer cache (emptyCache). */
class RuntimeSettingsTest extends NablaTestBase {

    @Test
    void setAndGetNumThreads() {
        int initial = Nabla.getNumThreads();
        assertTrue(initial >= 1, "default thread count " + initial);
        try {
            Nabla.setNumThreads(1);
            assertEquals(1, Nabla.getNumThreads());
            Tensor one = Tensor.ones(300_000).mul(Tensor.ones(300_000)).sum();
            Nabla.setNumThreads(2);
            assertEquals(2, Nabla.getNumThreads());
            Tensor two = Tensor.ones(300_000).mul(Tensor.ones(300_000)).sum();
            assertEquals(300_000.0, one.item());
            assertEquals(300_000.0, two.item());
        } finally {
            Nabla.setNumThreads(initial);
        }
    }

    @Test
    void setNumThreadsRejectsZero() {
        var e = assertThrows(IllegalArgumentException.class, () -> Nabla.setNumThreads(0));
        assertTrue(e.getMessage().contains("set_num_threads"), e.getMessage());
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
    }

    @Test
    void emptyCacheReturnsTheCachedBuffers() {
        try (TensorScope inner = TensorScope.open()) {
            Tensor.zeros(1 << 20);
        }
        assertTrue(Nabla.cachedBytes() >= 0);
        Nabla.emptyCache();
        assertEquals(0, Nabla.cachedBytes());
    }
}
