package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Tensor;

/**
 * Negative log-likelihood of class indices given log-probabilities {@code [N, C]} (or {@code [C]}), like
 * {@code torch.nn.NLLLoss}; targets equal to {@code ignoreIndex} contribute nothing, and the mean is over the
 * other targets. {@link CrossEntropyLoss} is this after a log-softmax, with optional label smoothing.
 */
public class NLLLoss extends Loss {
    protected final long ignoreIndex;
    protected final double labelSmoothing;

    public NLLLoss() {
        this(Reduction.MEAN, -100);
    }

    public NLLLoss(Reduction reduction, long ignoreIndex) {
        this(reduction, ignoreIndex, 0.0);
    }

    NLLLoss(Reduction reduction, long ignoreIndex, double labelSmoothing) {
        super(reduction);
        if (labelSmoothing < 0 || labelSmoothing > 1) {
            throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + labelSmoothing);
        }
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor logProbs, Tensor target) {
        return fromLogProbs(getClass().getSimpleName(), logProbs, target);
    }

    /**
     * {@code loss_n = -sum_c W[n, c] logp[n, c]} with {@code W = valid_n ((1 - eps) onehot(t_n) + eps / C)}: the
     * NLL term and the label-smoothing term in one product. W is built on the Java side from the targets (a
     * batch of indices), so the gradient flows into {@code logp} through one mul and one sum.
     */
    protected Tensor fromLogProbs(String loss, Tensor logp, Tensor target) {
        boolean unbatched = logp.dim() == 1;
        if (logp.dim() != 2 && !unbatched) {
            throw new IllegalArgumentException(loss + ": expected input of shape [N, C] or [C], got " + logp.shape());
        }
        long n = unbatched ? 1 : logp.size(0);
        long c = logp.size(-1);
        if (target.dim() != (unbatched ? 0 : 1) || (!unbatched && target.size(0) != n)) {
            throw new dev.nabla.ShapeMismatchException(loss + ": expected target of shape " + (unbatched ? "[]" : "[" + n + "]")
                    + " for input of shape " + logp.shape() + ", got " + target.shape());
        }
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(loss + ": expected class indices of dtype int64, got " + target.dtype());
        }
        double[] t;
        try (Tensor asDouble = target.to(DType.FLOAT64)) {
            t = asDouble.toDoubleArray();
        }
        double[] w = new double[(int) (n * c)];
        int valid = 0;
        for (int i = 0; i < n; i++) {
            long cls = (long) t[i];
            if (cls == ignoreIndex) {
                continue;
            }
            if (cls < 0 || cls >= c) {
                throw new IndexOutOfBoundsException(loss + ": Target " + cls + " is out of bounds (" + c + " classes).");
            }
            valid++;
            for (int j = 0; j < c; j++) {
                w[(int) (i * c + j)] = labelSmoothing / c;
            }
            w[(int) (i * c + cls)] += 1 - labelSmoothing;
        }
        try (Tensor weights = Tensor.of(w, unbatched ? new long[] {c} : new long[] {n, c}).to(logp.dtype())) {
            Tensor perSample = logp.mul(weights).sum(-1, false).neg();
            return switch (reduction) {
                case NONE -> perSample;
                case SUM -> perSample.sum();
                // Mean over the targets that count; 0/0 = NaN when all are ignored, as in PyTorch.
                case MEAN -> perSample.sum().div(valid);
            };
        }
    }
}
