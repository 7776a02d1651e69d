package dev.nabla.bench;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** W6 on libtorch: {@code torch::nn::Module} with three {@code Linear}s, functional relu / log_softmax / nll_loss, {@code torch::optim::SGD}. */
final class W6Torch implements W6.Impl {

    @Override
    public Case open() {
        torch.manual_seed(6);
        Module model = new Module();
        LinearImpl fc1 = model.register_module("fc1", new LinearImpl(784, 512));
        LinearImpl fc2 = model.register_module("fc2", new LinearImpl(512, 256));
        LinearImpl fc3 = model.register_module("fc3", new LinearImpl(256, 10));
        SGD opt = new SGD(model.parameters(), new SGDOptions(W6.LR));
        Tensor x = torch.randn(W6.BATCH, 784);
        Tensor y = TorchData.longs(W6.labels(), W6.BATCH);
        return new Case() {
            @Override
            public double run(long iters) {
                float last = 0;
                for (long i = 0; i < iters; i++) {
                    opt.zero_grad();
                    try (Tensor h1 = fc1.forward(x); Tensor r1 = torch.relu(h1); Tensor h2 = fc2.forward(r1);
                         Tensor r2 = torch.relu(h2); Tensor logits = fc3.forward(r2);
                         Tensor logp = torch.log_softmax(logits, 1); Tensor loss = torch.nll_loss(logp, y)) {
                        loss.backward();
                        opt.step().close();
                        last = loss.item_float();
                    }
                }
                return last;
            }

            @Override
            public void close() {
                opt.close();
                model.close();
                x.close();
                y.close();
            }
        };
    }
}
