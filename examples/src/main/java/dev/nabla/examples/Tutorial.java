package dev.nabla.examples;

import dev.nabla.GradMode;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import java.math.BigDecimal;

/**
 * The PyTorch autograd tutorial, task by task, printing what PyTorch prints. Run it with
 * {@code mvn -pl examples exec:exec} (after {@code mvn install -DskipTests}).
 *
 * <pre>{@code
 * x = torch.ones(2, 2, requires_grad=True)       Tensor x = Tensor.ones(2, 2).requiresGrad(true);
 * y = x + 2                                      Tensor y = x.add(2);
 * z = y * y * 3                                  Tensor z = y.mul(y).mul(3);
 * out = z.mean()                                 Tensor out = z.mean();
 * out.backward()                                 out.backward();
 * print(x.grad)                                  System.out.println(x.grad());
 * }</pre>
 */
public final class Tutorial {
    private Tutorial() {}

    public static void main(String[] args) {
        Nabla.manualSeed(0); // reproducible w and b (Nabla's generator, so not PyTorch's numbers)

        // Task 1: create a tensor with requires_grad=True and perform operations.
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        System.out.println(x);

        Tensor y = x.add(2);
        Tensor z = y.mul(y).mul(3);
        Tensor out = z.mean();

        System.out.println(y);
        System.out.println(z);
        System.out.println(out);

        // Task 2: compute gradients with backward(); d(out)/dx = 3/2 (x + 2) = 4.5.
        out.backward();
        System.out.println(x.grad());

        // Task 3: the role of gradients in training: fit y_pred = w * x + b to y by gradient descent.
        Tensor w = Tensor.randn(1).requiresGrad(true);
        Tensor b = Tensor.randn(1).requiresGrad(true);

        double learningRate = 0.01;
        int numEpochs = 100;

        for (int epoch = 0; epoch < numEpochs; epoch++) {
            // Everything created in one epoch is freed at its end; w, b, x and y live outside.
            try (TensorScope scope = TensorScope.open()) {
                // Forward pass: compute predicted y using operations on tensors
                Tensor yPred = w.mul(x).add(b);

                // Compute and print loss
                Tensor loss = yPred.sub(y).pow(2).mean();
                System.out.println("Epoch " + epoch + ", Loss " + pythonRepr(loss.item()));

                // Use autograd to compute the backward pass, calculating gradients
                loss.backward();

                // Update weights and biases using gradient descent
                try (var noGrad = GradMode.noGrad()) {
                    w.subInPlace(w.grad().mul(learningRate));
                    b.subInPlace(b.grad().mul(learningRate));
                }

                // Manually zero the gradients after updating weights
                w.grad().zeroInPlace();
                b.grad().zeroInPlace();
            }
        }
    }

    /** A double as Python's {@code str(float)} writes it: shortest digits, {@code 1e-05} style exponents. */
    static String pythonRepr(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        String sign = (v < 0 || (v == 0 && 1 / v < 0)) ? "-" : "";
        if (v == 0) {
            return sign + "0.0";
        }
        // Double.toString gives the shortest digits that round-trip (JDK 19+), as Python's repr does.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // the power of ten of the first digit
        if (exp >= -4 && exp < 16) {
            if (exp < 0) {
                return sign + "0." + "0".repeat(-exp - 1) + digits;
            }
            String intPart = digits.length() > exp + 1 ? digits.substring(0, exp + 1) : digits + "0".repeat(exp + 1 - digits.length());
            String frac = digits.length() > exp + 1 ? digits.substring(exp + 1) : "0";
            return sign + intPart + "." + frac;
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
}
