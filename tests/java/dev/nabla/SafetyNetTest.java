package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The safety net's bookkeeping ({@link SafetyNet}) beyond what LifetimeTest checks (an unreachable tensor of
 * an ended thread is freed): tensors closed on a thread other than the one that made them are freed at once
 * and leave its list (by the owner's sweep while it lives, by the net's thread once it has ended), and a
 * thread that makes and closes many tensors keeps a short list.
 */
class SafetyNetTest extends NablaTestBase {

    /** Runs {@code body} on a new platform thread (no scope open there) and waits for it. */
    private static void onThread(Runnable body) throws InterruptedException {
        Thread t = Thread.ofPlatform().start(body);
        t.join();
    }

    @Test
    void closingAnotherThreadsTensorsFreesThemAndTheEndedThreadsListEmpties() throws Exception {
        long before = Nabla.liveTensors();
        List<Tensor> made = new ArrayList<>();
        onThread(() -> {
            for (int i = 0; i < 3000; i++) {
                made.add(Tensor.ones(2));
            }
        });
        assertEquals(before + 3000, Nabla.liveTensors());
        for (Tensor t : made) {
            t.close();
        }
        assertEquals(before, Nabla.liveTensors(), "close() frees on any thread");
        // The maker has ended: the net's thread sweeps its list (about once a second while idle).
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (SafetyNet.endedThreadsState()[0] > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, SafetyNet.endedThreadsState()[0], "no node of an ended thread stays linked");
    }

    @Test
    void aLiveOwnerSweepsOutWhatOtherThreadsClosed() throws Exception {
        AtomicLong linkedAfter = new AtomicLong(-1);
        List<Tensor> handedOver = new ArrayList<>();
        Object lock = new Object();
        long before = Nabla.liveTensors();
        Thread owner = Thread.ofPlatform().start(() -> {
            synchronized (lock) {
                for (int i = 0; i < 5000; i++) {
                    handedOver.add(Tensor.ones(2));
                }
                lock.notifyAll();
                try {
                    lock.wait(); // until the main thread has closed them all
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Its own short-lived tensors: registering them triggers the sweeps.
            for (int i = 0; i < 20_000; i++) {
                Tensor.ones(2).close();
            }
            linkedAfter.set(SafetyNet.linkedHere());
        });
        synchronized (lock) {
            while (handedOver.size() < 5000) {
                lock.wait();
            }
            for (Tensor t : handedOver) {
                t.close();
            }
            lock.notifyAll();
        }
        owner.join();
        assertEquals(before, Nabla.liveTensors());
        assertTrue(linkedAfter.get() >= 0 && linkedAfter.get() < 100,
                "the owner's list is swept of the 5000 closed elsewhere: " + linkedAfter.get() + " left");
    }

    @Test
    void aTensorClosedOnItsOwnThreadLeavesTheListAtOnce() throws Exception {
        AtomicLong[] linked = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        onThread(() -> {
            linked[0].set(SafetyNet.linkedHere());
            Tensor t = Tensor.ones(3);
            linked[1].set(SafetyNet.linkedHere());
            t.close();
            linked[2].set(SafetyNet.linkedHere());
        });
        assertEquals(linked[0].get() + 1, linked[1].get());
        assertEquals(linked[0].get(), linked[2].get());
    }
}
