package dev.nabla.optim;

/**
 * Cosine annealing from each group's initial lr down to {@code etaMin} over {@code tMax} epochs, like
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR}, in the closed form PyTorch documents:
 * {@code lr = etaMin + (baseLr - etaMin)·(1 + cos(π·epoch / tMax)) / 2}. Past {@code tMax} the cosine
 * continues (the lr rises again), as in PyTorch.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /**
     * @param tMax the number of epochs of the half period, {@code > 0}
     * @param etaMin the minimum learning rate (PyTorch's default 0)
     * @throws IllegalArgumentException for {@code tMax <= 0}
     */
    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) {
            throw new IllegalArgumentException("CosineAnnealingLR: T_max must be positive, got " + tMax);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[groupCount()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = etaMin + (baseLr(i) - etaMin) * (1 + Math.cos(Math.PI * lastEpoch() / tMax)) / 2;
        }
        return lrs;
    }
}
