package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Walks the native op registry: every op with a backward rule must have a gradient check. */
class RegistryTest extends NablaTestBase {

    /** The ops covered by every GradCheckCases subclass compiled next to this test. */
    static Set<String> coveredOps() throws ReflectiveOperationException, URISyntaxException {
        return covered(false);
    }

    /** The ops with a second-order case in some GradCheckCases subclass. */
    static Set<String> coveredOpsSecondOrder() throws ReflectiveOperationException, URISyntaxException {
        return covered(true);
    }

    /** Every GradCheckCases subclass compiled next to this test, instantiated, with its cases defined. */
    private static Set<String> covered(boolean secondOrder) throws ReflectiveOperationException, URISyntaxException {
        File dir = new File(GradCheckCases.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        File pkg = new File(dir, GradCheckCases.class.getPackageName().replace('.', '/'));
        Set<String> covered = new TreeSet<>();
        String[] files = pkg.list();
        assertTrue(files != null && files.length > 0, "no test classes found under " + pkg);
        for (String f : files) {
            if (!f.endsWith(".class") || f.contains("$")) {
                continue;
            }
            Class<?> c = Class.forName(GradCheckCases.class.getPackageName() + "." + f.replace(".class", ""));
            if (GradCheckCases.class.isAssignableFrom(c) && c != GradCheckCases.class) {
                GradCheckCases cases = (GradCheckCases) c.getDeclaredConstructor().newInstance();
                cases.define();
                covered.addAll(secondOrder ? cases.coveredOpsSecondOrder : cases.coveredOps);
            }
        }
        return covered;
    }

    @Test
    void everyDifferentiableOpHasAGradientCheck() throws Exception {
        Set<String> covered = coveredOps();
        assertFalse(covered.isEmpty());
        List<String> missing = new ArrayList<>();
        for (String op : Ops.names()) {
            if (Ops.isDifferentiable(op) && !covered.contains(op)) {
                missing.add(op);
            }
        }
        assertTrue(missing.isEmpty(), "ops with a backward rule but no GradCheckCases case: " + missing);
    }

    /** Higher-order gradients: every backward rule must be differentiable (gradgradcheck's coverage). */
    @Test
    void everyDifferentiableOpHasASecondOrderGradientCheck() throws Exception {
        Set<String> covered = coveredOpsSecondOrder();
        List<String> missing = new ArrayList<>();
        for (String op : Ops.names()) {
            if (Ops.isDifferentiable(op) && !covered.contains(op)) {
                missing.add(op);
            }
        }
        assertTrue(missing.isEmpty(), "ops with a backward rule but no second-order GradCheckCases case "
                + "(use add, not addFirstOrderOnly, away from kinks): " + missing);
    }

    @Test
    void casesNameOnlyRegisteredOps() throws Exception {
        List<String> names = List.of(Ops.names());
        for (String op : coveredOps()) {
            assertTrue(names.contains(op), "a GradCheckCases case names an op the registry lacks: " + op);
        }
    }

    @Test
    void opsAreFoundByName() {
        for (String op : Ops.names()) {
            assertEquals(op, dev.nabla.bindings.global.nabla.nb_op_name(Ops.id(op)));
        }
    }
}
