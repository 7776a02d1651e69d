package dev.nabla.bench;

import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * What the benchmark runs in a child JVM:
 * <ul>
 *   <li>{@code startup ENGINE}: loads the engine, runs one {@code ones(2,2) + ones(2,2)}, prints
 *       {@code FIRST-OP-DONE} (the parent times from starting the process to reading that line);</li>
 *   <li>{@code openblas N...}: the reference rate of OpenBLAS sgemm ({@code org.bytedeco:openblas} 0.3.31, the
 *       OpenBLAS of the JavaCPP presets, called through CBLAS; threads from {@code OPENBLAS_NUM_THREADS} set by
 *       the parent), median of 7 trials after a warm-up, one line {@code OPENBLAS N=.. ms=.. gflops=..} per N.</li>
 * </ul>
 */
public final class Child {

    private Child() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "startup" -> startup(args[1]);
            case "openblas" -> openblas(Arrays.stream(args).skip(1).mapToInt(Integer::parseInt).toArray());
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void startup(String engine) {
        double v;
        if (engine.equals("nabla")) {
            try (dev.nabla.Tensor a = dev.nabla.Tensor.ones(2, 2); dev.nabla.Tensor b = dev.nabla.Tensor.ones(2, 2);
                 dev.nabla.Tensor c = a.add(b)) {
                v = c.sum().item();
            }
        } else {
            try (org.bytedeco.pytorch.Tensor a = org.bytedeco.pytorch.global.torch.ones(2, 2);
                 org.bytedeco.pytorch.Tensor b = org.bytedeco.pytorch.global.torch.ones(2, 2);
                 org.bytedeco.pytorch.Tensor c = a.add(b)) {
                v = c.sum().item_float();
            }
        }
        System.out.println("FIRST-OP-DONE " + v);
        System.out.flush();
    }

    private static void openblas(int[] sizes) {
        for (int n : sizes) {
            int nn = n * n;
            try (FloatPointer a = new FloatPointer(nn); FloatPointer b = new FloatPointer(nn);
                 FloatPointer c = new FloatPointer(nn)) {
                java.util.Random r = new java.util.Random(n);
                for (int i = 0; i < nn; i++) {
                    a.put(i, (float) r.nextGaussian());
                    b.put(i, (float) r.nextGaussian());
                }
                long target = 200_000_000L;
                long t0 = System.nanoTime();
                int reps = 0;
                do { // warm-up: at least 1 s, sets the repetitions per trial (~200 ms)
                    gemm(n, a, b, c);
                    reps++;
                } while (System.nanoTime() - t0 < 1_000_000_000L);
                long per = Math.max(1, (System.nanoTime() - t0) / reps);
                int trialReps = (int) Math.max(1, target / per);
                double[] ms = new double[7];
                for (int t = 0; t < ms.length; t++) {
                    long s = System.nanoTime();
                    for (int k = 0; k < trialReps; k++) {
                        gemm(n, a, b, c);
                    }
                    ms[t] = (System.nanoTime() - s) / 1e6 / trialReps;
                }
                Arrays.sort(ms);
                double med = ms[ms.length / 2];
                System.out.printf(Locale.ROOT, "OPENBLAS N=%d ms=%.4f gflops=%.2f%n", n, med, W5.gflops(n, med));
            }
        }
        System.out.flush();
    }

    private static void gemm(int n, FloatPointer a, FloatPointer b, FloatPointer c) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, n, n, n, 1f, a, n, b, n, 0f, c, n);
    }
}
