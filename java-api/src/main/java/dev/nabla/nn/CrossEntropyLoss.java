package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Cross-entropy between logits {@code [N, C]} (or {@code [C]}) and class indices, like
 * {@code torch.nn.CrossEntropyLoss}: {@link NLLLoss} after a log-softmax over the classes (stable: the
 * log-softmax subtracts the max), with {@code ignoreIndex} and {@code labelSmoothing}.
 */
public final class CrossEntropyLoss extends NLLLoss {
    public CrossEntropyLoss() {
        this(Reduction.MEAN, -100, 0.0);
    }

    public CrossEntropyLoss(Reduction reduction, long ignoreIndex, double labelSmoothing) {
        super(reduction, ignoreIndex, labelSmoothing);
    }

    @Override
    public Tensor forward(Tensor logits, Tensor target) {
        return fromLogProbs("CrossEntropyLoss", logits.logSoftmax(logits.dim() == 1 ? 0 : 1), target);
    }
}
