package dev.nabla;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * The one numerical gradient check, in float64: central differences with eps 1e-6, compared with
 * atol 1e-5 + rtol 1e-4 against the gradients backward() computes. A non-scalar output is reduced
 * with a fixed random weight, {@code L = sum(f(x) * w)}, so every output element's gradient counts.
 */
final class GradCheck {
    static final double EPS = 1e-6;
    static final double ATOL = 1e-5;
    static final double RTOL = 1e-4;

    private GradCheck() {}

    /**
     * Checks d f / d inputs. The inputs must be contiguous float64 tensors that do not require grad
     * yet; they are turned into leaves that do. {@code f} must be deterministic.
     */
    static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor[] leaves = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                assertEquals(DType.FLOAT64, inputs[i].dtype(), name + ": grad checks run in float64");
                leaves[i] = inputs[i].clone().requiresGrad(true);
            }
            Tensor out = f.apply(leaves);
            Tensor weight;
            try (Generator g = new Generator(1234)) {
                weight = Tensor.randn(g, DType.FLOAT64, out.shape().dims());
            }
            out.mul(weight).sum().backward();

            for (int i = 0; i < leaves.length; i++) {
                Tensor grad = leaves[i].grad();
                double[] analytic = grad == null ? new double[(int) leaves[i].numel()] : grad.toDoubleArray();
                if (grad != null) {
                    assertEquals(leaves[i].shape(), grad.shape(), name + ": grad shape of input " + i);
                }
                MemorySegment x = leaves[i].data();
                for (int j = 0; j < analytic.length; j++) {
                    double orig = x.getAtIndex(JAVA_DOUBLE, j);
                    x.setAtIndex(JAVA_DOUBLE, j, orig + EPS);
                    double plus = evaluate(f, leaves, weight);
                    x.setAtIndex(JAVA_DOUBLE, j, orig - EPS);
                    double minus = evaluate(f, leaves, weight);
                    x.setAtIndex(JAVA_DOUBLE, j, orig);
                    double numeric = (plus - minus) / (2 * EPS);
                    double tol = ATOL + RTOL * Math.abs(numeric);
                    if (!(Math.abs(analytic[j] - numeric) <= tol)) {
                        fail(name + ": d/d(input " + i + ")[" + j + "]: backward gives " + analytic[j]
                                + ", central differences give " + numeric + " (input shape " + leaves[i].shape() + ")");
                    }
                }
            }
            assertTrue(true);
        }
    }

    private static double evaluate(Function<Tensor[], Tensor> f, Tensor[] leaves, Tensor weight) {
        try (var g = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            return f.apply(leaves).mul(weight).sum().item();
        }
    }
}
