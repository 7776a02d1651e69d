package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Nabla;
import dev.nabla.TensorScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Runs each test inside a {@link TensorScope} and checks afterwards that no native tensor made by the
 * test is still alive. "At most as many as before": the Cleaner may free other tests' garbage meanwhile.
 */
abstract class LeakCheckedTest {
    private long liveBefore;
    private TensorScope scope;

    @BeforeEach
    void openScope() {
        System.gc();
        liveBefore = Nabla.liveTensors();
        scope = TensorScope.open();
    }

    @AfterEach
    void closeScopeAndCheck() {
        if (!scope.isClosed()) {
            scope.close();
        }
        long after = Nabla.liveTensors();
        assertTrue(after <= liveBefore, "native tensors leaked by the test: " + liveBefore + " before, " + after + " after");
    }
}
