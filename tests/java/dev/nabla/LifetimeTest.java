package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** close(), TensorScope, the Cleaner safety net, and zero-copy data segments. */
class LifetimeTest extends NablaTestBase {

    private static void assertClosed(Executable e) {
        IllegalStateException ex = assertThrows(IllegalStateException.class, e);
        assertTrue(ex.getMessage().contains("tensor is closed"), ex.getMessage());
    }

    @Test
    void everyUseOfAClosedTensorThrows() {
        Tensor t = Tensor.ones(2, 2).requiresGrad(true);
        Tensor other = Tensor.ones(2, 2);
        t.close();
        assertTrue(t.isClosed());
        t.close(); // a second close does nothing

        assertClosed(() -> t.add(other));
        assertClosed(() -> other.add(t));
        assertClosed(() -> t.mul(2));
        assertClosed(() -> t.matmul(other));
        assertClosed(t::item);
        assertClosed(t::shape);
        assertClosed(t::numel);
        assertClosed(t::dtype);
        assertClosed(t::grad);
        assertClosed(t::backward);
        assertClosed(t::data);
        assertClosed(t::toFloatArray);
        assertClosed(() -> t.addInPlace(1));
        assertClosed(() -> other.copyInPlace(t));
        assertClosed(() -> t.requiresGrad(false));
        assertEquals("tensor(<closed>)", t.toString());
    }

    @Test
    void aDataSegmentDiesWithItsTensor() {
        Tensor t = Tensor.of(new float[] {1, 2, 3});
        MemorySegment seg = t.data();
        assertEquals(12, seg.byteSize());
        assertEquals(2f, seg.getAtIndex(JAVA_FLOAT, 1));
        t.close();
        assertThrows(IllegalStateException.class, () -> seg.getAtIndex(JAVA_FLOAT, 1));
    }

    @Test
    void aDataSegmentIsZeroCopy() {
        Tensor t = Tensor.zeros(2, 2);
        MemorySegment seg = t.data();
        seg.setAtIndex(JAVA_FLOAT, 3, 5f);
        assertEquals(5.0, t.sum().item());
        t.fillInPlace(2);
        assertEquals(2f, seg.getAtIndex(JAVA_FLOAT, 0));
        assertSame(seg, t.data());
    }

    @Test
    void dataOfANonContiguousTensorThrows() {
        Tensor t = Tensor.ones(2, 3).transpose(0, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, t::data);
        assertTrue(e.getMessage().contains("contiguous()"), e.getMessage());
        assertEquals(24, t.contiguous().data().byteSize());
    }

    @Test
    void aScopeFreesWhatWasCreatedInside() {
        long before = Nabla.liveTensors();
        Tensor survivor;
        Tensor inner;
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.ones(3).requiresGrad(true);
            inner = x.mul(2).add(1);
            inner.sum().backward();
            survivor = scope.keep(x.grad().clone());
            assertTrue(Nabla.liveTensors() > before);
        }
        assertTrue(inner.isClosed());
        assertFalse(survivor.isClosed());
        assertEquals(before + 1, Nabla.liveTensors());
        assertEquals(6.0, survivor.sum().item());
    }

    @Test
    void scopesNestAndKeepMovesOneLevelOut() {
        long before = Nabla.liveTensors();
        try (TensorScope outer = TensorScope.open()) {
            Tensor kept;
            try (TensorScope inner = TensorScope.open()) {
                Tensor a = Tensor.ones(2);
                kept = inner.keep(a.add(1));
                assertThrows(IllegalArgumentException.class, () -> outer.keep(a), "a belongs to the inner scope");
            }
            assertFalse(kept.isClosed());
            assertEquals(before + 1, Nabla.liveTensors());
        }
        assertEquals(before, Nabla.liveTensors());
    }

    @Test
    void keepOutOfTheOutermostScopeHandsTheTensorToTheCaller() {
        long before = Nabla.liveTensors();
        Tensor free;
        // The per-test scope is open; a fresh thread has no scope at all.
        AtomicReference<Tensor> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try (TensorScope scope = TensorScope.open()) {
                result.set(scope.keep(Tensor.ones(2)));
            }
        });
        join(t);
        free = result.get();
        assertFalse(free.isClosed());
        assertEquals(before + 1, Nabla.liveTensors());
        free.close();
        assertEquals(before, Nabla.liveTensors());
    }

    @Test
    void closingAScopeTwiceThrows() {
        TensorScope scope = TensorScope.open();
        scope.close();
        assertThrows(IllegalStateException.class, scope::close);
        assertThrows(IllegalStateException.class, () -> scope.keep(Tensor.ones(1)));
    }

    @Test
    void scopesCloseInReverseOrder() {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }

    @Test
    void aScopeIsConfinedToItsThread() {
        TensorScope scope = TensorScope.open();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                scope.close();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        join(t);
        assertTrue(thrown.get() instanceof WrongThreadException, String.valueOf(thrown.get()));
        scope.close();
    }

    @Test
    void tensorsMadeOnAnotherThreadDoNotJoinThisThreadsScope() {
        long before = Nabla.liveTensors();
        AtomicReference<Tensor> made = new AtomicReference<>();
        try (TensorScope scope = TensorScope.open()) {
            Thread t = Thread.ofVirtual().start(() -> made.set(Tensor.ones(1)));
            join(t);
        }
        assertFalse(made.get().isClosed());
        made.get().close();
        assertEquals(before, Nabla.liveTensors());
    }

    @Test
    void theCleanerFreesAnUnreachableTensor() throws Exception {
        AtomicReference<Long> counts = new AtomicReference<>();
        // A thread with no scope: its tensors are Cleaner-managed.
        Consumer<Integer> makeGarbage = n -> {
            for (int i = 0; i < n; i++) {
                Tensor.ones(8);
            }
        };
        long before = Nabla.liveTensors();
        Thread t = Thread.ofPlatform().start(() -> {
            makeGarbage.accept(100);
            counts.set(Nabla.liveTensors());
        });
        join(t);
        assertTrue(counts.get() >= before, "tensors were created");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (Nabla.liveTensors() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, Nabla.liveTensors(), "the Cleaner freed every unreachable tensor");
    }

    @Test
    void aReachableDataSegmentKeepsItsTensorFromTheCleaner() throws Exception {
        long before = Nabla.liveTensors();
        AtomicReference<MemorySegment> segment = new AtomicReference<>();
        // Made on a thread with no scope, so only the Cleaner would free it; the Tensor itself is dropped.
        Thread t = Thread.ofPlatform().start(() -> segment.set(Tensor.of(new float[] {4, 5, 6}).data()));
        join(t);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before + 1, Nabla.liveTensors(), "the tensor behind a live segment stays alive");
        assertEquals(5f, segment.get().getAtIndex(JAVA_FLOAT, 1));
        segment.set(null);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (Nabla.liveTensors() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, Nabla.liveTensors(), "freed once the segment is unreachable too");
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
