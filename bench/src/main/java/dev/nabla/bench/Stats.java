package dev.nabla.bench;

import java.util.Arrays;

/** Median, min and max of the per-trial figures. */
public record Stats(double median, double min, double max, int trials, long iters) {

    static Stats of(double[] perOp, long iters) {
        double[] s = perOp.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = (n % 2 == 1) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Stats(median, s[0], s[n - 1], n, iters);
    }
}
