package dev.nabla.optim;

/**
 * Linear warm-up (or decay): scales each group's learning rate by a factor going linearly from
 * {@code startFactor} to {@code endFactor} over {@code totalIters} epochs, then holds it, like
 * {@code torch.optim.lr_scheduler.LinearLR}. With no other change to the lr,
 * {@code lr = baseLr·(startFactor + (endFactor - startFactor)·min(epoch, totalIters) / totalIters)};
 * computed in PyTorch's chainable form (the current lr times the ratio of consecutive factors).
 */
public final class LinearLR extends LRScheduler {
    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /** PyTorch's defaults: startFactor 1/3, endFactor 1, totalIters 5. */
    public LinearLR(Optimizer<?> optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /**
     * @param startFactor the factor at epoch 0, in (0, 1]
     * @param endFactor the factor from epoch {@code totalIters} on, in [0, 1]
     * @param totalIters the number of epochs of the ramp, {@code > 0}
     * @throws IllegalArgumentException for factors or a count out of range
     */
    public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException(
                    "LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got "
                            + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException(
                    "LinearLR: ending multiplicative factor expected to be between 0 and 1, got " + endFactor);
        }
        if (totalIters <= 0) {
            throw new IllegalArgumentException("LinearLR: total_iters must be positive, got " + totalIters);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[groupCount()];
        int e = lastEpoch();
        for (int i = 0; i < lrs.length; i++) {
            double lr = optimizer.getLr(i);
            if (e == 0) {
                lrs[i] = lr * startFactor;
            } else if (e > totalIters) {
                lrs[i] = lr;
            } else {
                lrs[i] = lr * (1 + (endFactor - startFactor)
                        / (totalIters * startFactor + (e - 1) * (endFactor - startFactor)));
            }
        }
        return lrs;
    }
}
