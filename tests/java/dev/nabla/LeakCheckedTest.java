package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every JUnit test class: runs each test inside a {@link TensorScope} and checks afterwards that
 * grad mode was restored and that no native tensor made by the test is still alive (a leak detector for
 * every test, in every package).
 */
public abstract class LeakCheckedTest {
    private long liveBefore;
    private TensorScope testScope;
    private boolean gradBefore;

    /**
     * Whether the live-tensor count must be back exactly where it started. Tests whose tensors are made on
     * another thread outside any scope (Cleaner-managed, e.g. a DataLoader's batches) settle for "at most as
     * many as before", since the Cleaner may free other tests' garbage meanwhile.
     */
    protected boolean exactLeakCheck() {
        return true;
    }

    @BeforeEach
    protected void openTestScope() {
        if (!exactLeakCheck()) {
            System.gc();
        }
        gradBefore = GradMode.isEnabled();
        liveBefore = Nabla.liveTensors();
        testScope = TensorScope.open();
    }

    @AfterEach
    protected void closeTestScope() {
        if (!testScope.isClosed()) {
            testScope.close();
        }
        assertEquals(gradBefore, GradMode.isEnabled(), "grad mode leaked out of the test");
        long after = Nabla.liveTensors();
        if (exactLeakCheck()) {
            assertEquals(liveBefore, after, "native tensors leaked by the test");
        } else {
            assertTrue(after <= liveBefore, "native tensors leaked by the test: " + liveBefore + " before, " + after + " after");
        }
    }
}
