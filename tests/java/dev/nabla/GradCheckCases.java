package dev.nabla;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A family's gradient checks: a subclass defines its cases in {@link #define()} with {@link #add}, naming the
 * registry op each one checks. Each case runs twice: a first-order check ({@link GradCheck#check}) and a
 * second-order one ({@link GradCheck#checkSecondOrder}, a backward through a createGraph backward against
 * central differences of the gradient), so every backward rule must itself be differentiable. Piecewise
 * linear ops (relu, abs, max, clamp, ...) pass the second-order check with a zero second derivative as long
 * as the inputs stay away from their kinks. {@link #addFirstOrderOnly} is for a case that must sit where
 * the second derivative is not defined. {@link RegistryTest} finds every subclass in this package and fails
 * when an op with a backward rule has no case, or no second-order case.
 */
abstract class GradCheckCases extends NablaTestBase {

    private final List<DynamicTest> cases = new ArrayList<>();

    /** Stricter than the public default (1e-3): the built-in ops are exact up to rounding. */
    static final double RTOL = 1e-4;

    /** Registry names of the ops the cases check (see RegistryTest). */
    final Set<String> coveredOps = new TreeSet<>();

    /** Registry names of the ops the cases also check at second order (see RegistryTest). */
    final Set<String> coveredOpsSecondOrder = new TreeSet<>();

    /**
     * One case for registry op {@code op} (null for a composite of several ops), checked at first and at
     * second order: inputs are made inside the test so that the per-test scope frees them.
     */
    protected void add(String op, String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs) {
        addFirstOrderOnly(op, name, f, inputs);
        if (op != null) {
            coveredOpsSecondOrder.add(op);
        }
        cases.add(dynamicTest(name + " [2nd order]", () -> run(name, f, inputs, 2)));
    }

    /** Like {@link #add}, without the second-order check (for inputs where it is not defined, e.g. at a tie). */
    protected void addFirstOrderOnly(String op, String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs) {
        if (op != null) {
            coveredOps.add(op);
        }
        cases.add(dynamicTest(name, () -> run(name, f, inputs, 1)));
    }

    private static void run(String name, Function<Tensor[], Tensor> f, Supplier<Tensor[]> inputs, int order) {
        try (TensorScope scope = TensorScope.open()) {
            // Floating inputs are checked; others (indices, masks) are passed as constants.
            Tensor[] in = inputs.get();
            for (Tensor t : in) {
                if (t.dtype().isFloatingPoint()) {
                    t.requiresGrad(true);
                }
            }
            GradCheck.Options o = GradCheck.options().name(order == 1 ? name : name + " [2nd order]").rtol(RTOL);
            if (order == 1) {
                o.check(f, in);
            } else {
                o.checkSecondOrder(f, in);
            }
        }
    }

    protected static Supplier<Tensor[]> normal(long[]... shapes) {
        return () -> {
            Tensor[] ts = new Tensor[shapes.length];
            for (int i = 0; i < shapes.length; i++) {
                ts[i] = randn(100 + i, shapes[i]);
            }
            return ts;
        };
    }

    /** The first input normal, the others in [0.5, 1.5) (divisors). */
    protected static Supplier<Tensor[]> normalThenPositive(long[]... shapes) {
        return () -> {
            Tensor[] ts = new Tensor[shapes.length];
            for (int i = 0; i < shapes.length; i++) {
                ts[i] = i == 0 ? randn(200, shapes[i]) : positive(200 + i, shapes[i]);
            }
            return ts;
        };
    }

    protected static Supplier<Tensor[]> pos(long... shape) {
        return () -> new Tensor[] {positive(300, shape)};
    }

    protected static long[] s(long... dims) {
        return dims;
    }

    /** Pairs of shapes that broadcast, including size-1 dims on either side and rank differences. */
    protected static final long[][][] BROADCAST_PAIRS = {
        {s(2, 3), s(2, 3)},
        {s(2, 3), s(3)},
        {s(3), s(2, 3)},
        {s(2, 1), s(1, 3)},
        {s(4, 1, 3), s(2, 1)},
        {s(2, 3), s()},
        {s(1), s(2, 2)},
    };

    /** Adds this family's cases with {@link #add}. */
    protected abstract void define();

    @TestFactory
    List<DynamicTest> gradients() {
        define();
        return cases;
    }
}
