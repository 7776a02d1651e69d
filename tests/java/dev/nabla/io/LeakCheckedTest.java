package dev.nabla.io;

/** Batches made on loader threads are Cleaner-managed: the leak check here is "at most as many as before". */
abstract class LeakCheckedTest extends dev.nabla.LeakCheckedTest {
    @Override
    protected boolean exactLeakCheck() {
        return false;
    }
}
