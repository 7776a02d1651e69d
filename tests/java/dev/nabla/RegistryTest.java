package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Walks the native op registry: every op with a backward rule must have a gradient check. */
class RegistryTest extends NablaTestBase {

    @Test
    void everyDifferentiableOpHasAGradientCheck() {
        GradCheckTest checks = new GradCheckTest();
        checks.gradients(); // builds the cases, recording the ops they cover
        List<String> missing = new ArrayList<>();
        for (String op : Ops.names()) {
            if (Ops.isDifferentiable(op) && !checks.coveredOps.contains(op)) {
                missing.add(op);
            }
        }
        assertTrue(missing.isEmpty(), "ops with a backward rule but no case in GradCheckTest: " + missing);
    }

    @Test
    void casesNameOnlyRegisteredOps() {
        GradCheckTest checks = new GradCheckTest();
        checks.gradients();
        List<String> names = List.of(Ops.names());
        for (String op : checks.coveredOps) {
            assertTrue(names.contains(op), "GradCheckTest names an op the registry lacks: " + op);
        }
    }

    @Test
    void opsAreFoundByName() {
        for (String op : Ops.names()) {
            assertEquals(op, dev.nabla.bindings.global.nabla.nb_op_name(Ops.id(op)));
        }
    }
}
