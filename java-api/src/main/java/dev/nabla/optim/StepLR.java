package dev.nabla.optim;

/**
 * Multiplies each group's learning rate by {@code gamma} every {@code stepSize} epochs, like
 * {@code torch.optim.lr_scheduler.StepLR}: with no other change to the lr,
 * {@code lr = baseLr·gamma^floor(epoch / stepSize)}. Computed in PyTorch's chainable form (the current
 * lr times gamma at each multiple of stepSize).
 */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /**
     * @param stepSize the period of the decay, in epochs, {@code > 0}
     * @param gamma the factor (PyTorch's default 0.1)
     * @throws IllegalArgumentException for {@code stepSize <= 0}
     */
    public StepLR(Optimizer<?> optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) {
            throw new IllegalArgumentException("StepLR: step_size must be positive, got " + stepSize);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[groupCount()];
        int e = lastEpoch();
        for (int i = 0; i < lrs.length; i++) {
            double lr = optimizer.getLr(i);
            lrs[i] = (e == 0 || e % stepSize != 0) ? lr : lr * gamma;
        }
        return lrs;
    }
}
