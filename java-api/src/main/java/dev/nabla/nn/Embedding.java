package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.GradMode;
import dev.nabla.Tensor;

/**
 * A lookup table of {@code numEmbeddings} vectors of size {@code embeddingDim}, like
 * {@code torch.nn.Embedding}; the weight is initialized from N(0, 1) as PyTorch does. Input: int64 indices of
 * any shape; output: the input's shape plus {@code embeddingDim}.
 */
public final class Embedding extends Module {
    private final long numEmbeddings;
    private final long embeddingDim;

    public Embedding(long numEmbeddings, long embeddingDim) {
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        Tensor w;
        try (var g = GradMode.noGrad()) {
            w = Tensor.randn(dev.nabla.Generator.defaultGenerator(), DType.FLOAT32, numEmbeddings, embeddingDim);
        }
        registerParameter("weight", w);
    }

    @Override
    public Tensor forward(Tensor indices) {
        return Functional.embedding(indices, parameter("weight"));
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim;
    }
}
