package dev.nabla.optim;

import java.util.List;

/**
 * The base of learning-rate schedulers, like {@code torch.optim.lr_scheduler.LRScheduler}: call
 * {@link #step()} once per epoch, after the epoch's {@code optimizer.step()} calls.
 *
 * <p>Construction records each group's current lr as its initial lr (PyTorch's
 * {@code group["initial_lr"]}, kept from an earlier scheduler on the same optimizer) and applies the
 * schedule's value at epoch 0.
 */
public abstract class LRScheduler {
    /** The optimizer whose learning rates this scheduler sets. */
    protected final Optimizer<?> optimizer;
    private final double[] baseLrs;
    private int lastEpoch = -1;
    private double[] lastLr;

    /** Records the base learning rates; the subclass constructor must end with {@link #initialStep()}. */
    protected LRScheduler(Optimizer<?> optimizer) {
        this.optimizer = optimizer;
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            ParamGroup<?> g = groups.get(i);
            if (Double.isNaN(g.initialLr)) {
                g.initialLr = g.lr();
            }
            baseLrs[i] = g.initialLr;
        }
    }

    /** Applies epoch 0's learning rates; subclass constructors call it last, once their fields are set. */
    protected final void initialStep() {
        if (lastEpoch != -1) {
            throw new IllegalStateException(getClass().getSimpleName() + ": initialStep called twice");
        }
        step();
    }

    /** Advances one epoch and sets each group's learning rate (like {@code scheduler.step()}). */
    public void step() {
        lastEpoch++;
        double[] lrs = computeLr();
        for (int i = 0; i < lrs.length; i++) {
            optimizer.setLr(i, lrs[i]);
        }
        lastLr = lrs.clone();
    }

    /** The learning rates this scheduler set last, one per group (like {@code get_last_lr()}). */
    public double[] getLastLr() {
        return lastLr.clone();
    }

    /** The number of {@link #step()} calls since construction (like {@code last_epoch}); 0 after construction. */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The initial learning rate of group {@code group} (like {@code base_lrs[group]}). */
    protected double baseLr(int group) {
        return baseLrs[group];
    }

    /** The number of parameter groups scheduled. */
    protected int groupCount() {
        return baseLrs.length;
    }

    /** The learning rate of each group for epoch {@link #lastEpoch()} (like {@code get_lr()}). */
    protected abstract double[] computeLr();
}
