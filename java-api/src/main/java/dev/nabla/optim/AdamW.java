package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/**
 * AdamW, Adam with decoupled weight decay, like {@code torch.optim.AdamW}. Per parameter, first
 * {@code θ ← θ·(1 - lr·weightDecay)}, then Adam's update of {@link Adam} without the L2 term.
 * Uses {@link Adam.Options}; {@link #options()} gives AdamW's defaults (weight decay 1e-2).
 */
public final class AdamW extends AdamBase {

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no AMSGrad. */
    public static Adam.Options options() {
        return new Adam.Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false);
    }

    /** AdamW over {@code params} with PyTorch's defaults. */
    public AdamW(List<Tensor> params) {
        this(params, options());
    }

    /** AdamW over {@code params} with {@code options}, e.g. {@code AdamW.options().lr(3e-4)}. */
    public AdamW(List<Tensor> params, Adam.Options options) {
        super("AdamW", params, options, true);
    }
}
