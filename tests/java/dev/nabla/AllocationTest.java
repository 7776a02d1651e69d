package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The per-op path allocates the result Tensor and nothing else (no boxing, no arrays, no buffers). */
class AllocationTest extends NablaTestBase {

    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return mx.getCurrentThreadAllocatedBytes();
    }

    @Test
    void anOpInAScopeAllocatesOnlyItsResult() {
        Tensor a = Tensor.ones(4);
        Tensor b = Tensor.ones(4).requiresGrad(true);
        int n = 20_000;
        for (int i = 0; i < n; i++) { // warm up: class init, per-thread state, JIT
            a.mul(b).sum(0, true).close();
        }
        long before = allocatedBytes();
        for (int i = 0; i < n; i++) {
            Tensor r = a.mul(b);
            r.close();
        }
        double perOp = (allocatedBytes() - before) / (double) n;
        // A Tensor is a 32-byte object; allow slack for the JVM's own bookkeeping.
        assertTrue(perOp <= 48, "bytes allocated per op: " + perOp);
    }

    @Test
    void repeatedGradCallsAllocateNothing() {
        Tensor x = Tensor.ones(4).requiresGrad(true);
        x.sum().backward();
        Tensor g = x.grad();
        long before = allocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            assertSame(g, x.grad());
        }
        assertTrue(allocatedBytes() - before < 10_000, "grad() allocated " + (allocatedBytes() - before) + " bytes");
    }
}
