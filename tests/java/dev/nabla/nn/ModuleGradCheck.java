package dev.nabla.nn;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.GradMode;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Central differences (float64, eps 1e-6) against backward for a function of an input and of a module's
 * parameters: {@code L = sum(f(x) * w)} with a fixed random {@code w}. Parameters are perturbed in place
 * through their memory, so the check covers the module as users call it.
 */
final class ModuleGradCheck {
    private static final double EPS = 1e-6;
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-4;

    private ModuleGradCheck() {}

    static void check(String name, Module module, Function<Tensor, Tensor> f, Tensor input) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = input.clone().requiresGrad(true);
            module.zeroGrad();
            Tensor out = f.apply(x);
            Tensor weight;
            try (Generator g = new Generator(99)) {
                weight = Tensor.randn(g, DType.FLOAT64, out.shape().dims());
            }
            out.mul(weight).sum().backward();
            List<Map.Entry<String, Tensor>> targets = new ArrayList<>(module.namedParameters().entrySet());
            targets.add(Map.entry("input", x));
            for (var e : targets) {
                Tensor p = e.getValue();
                assertEquals(DType.FLOAT64, p.dtype(), name + ": " + e.getKey() + " must be float64");
                double[] analytic = p.grad() == null ? new double[(int) p.numel()] : p.grad().toDoubleArray();
                MemorySegment data = p.data();
                for (int j = 0; j < analytic.length; j++) {
                    double orig = data.getAtIndex(JAVA_DOUBLE, j);
                    data.setAtIndex(JAVA_DOUBLE, j, orig + EPS);
                    double plus = eval(f, x, weight);
                    data.setAtIndex(JAVA_DOUBLE, j, orig - EPS);
                    double minus = eval(f, x, weight);
                    data.setAtIndex(JAVA_DOUBLE, j, orig);
                    double numeric = (plus - minus) / (2 * EPS);
                    if (!(Math.abs(numeric - analytic[j]) <= ATOL + RTOL * Math.abs(numeric))) {
                        fail(name + ": d/d " + e.getKey() + "[" + j + "]: backward gives " + analytic[j]
                                + ", central differences give " + numeric);
                    }
                }
            }
            module.zeroGrad();
        }
    }

    private static double eval(Function<Tensor, Tensor> f, Tensor x, Tensor weight) {
        try (var g = GradMode.noGrad(); TensorScope s = TensorScope.open()) {
            return f.apply(x).mul(weight).sum().item();
        }
    }
}
