package dev.nabla.bench;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** F1 / F2 on libtorch: {@code torch::nn} modules, functional relu / max_pool2d / log_softmax / nll_loss, {@code torch::optim::Adam}. */
final class FTorch implements F.Impl {

    @Override
    public Case open(boolean cnn) {
        torch.manual_seed(11);
        FashionData d = FashionData.get();
        Tensor images = cnn ? TorchData.floats(d.images, d.n, 1, 28, 28) : TorchData.floats(d.images, d.n, 784);
        Tensor labels = TorchData.longs(d.labels, d.n);
        Module model = new Module();
        Conv2dImpl c1 = null;
        Conv2dImpl c2 = null;
        LinearImpl l1;
        LinearImpl l2;
        LinearImpl l3 = null;
        if (cnn) {
            c1 = model.register_module("conv1", new Conv2dImpl(1, 32, new LongPointer(3L, 3L)));
            c2 = model.register_module("conv2", new Conv2dImpl(32, 64, new LongPointer(3L, 3L)));
            l1 = model.register_module("fc1", new LinearImpl(1600, 128));
            l2 = model.register_module("fc2", new LinearImpl(128, 10));
        } else {
            l1 = model.register_module("fc1", new LinearImpl(784, 256));
            l2 = model.register_module("fc2", new LinearImpl(256, 128));
            l3 = model.register_module("fc3", new LinearImpl(128, 10));
        }
        Adam opt = new Adam(model.parameters(), new AdamOptions(F.LR));
        Conv2dImpl conv1 = c1;
        Conv2dImpl conv2 = c2;
        LinearImpl fc3 = l3;
        return new Case() {
            long step;

            private Tensor cnnLogits(Tensor x) {
                try (Tensor a = conv1.forward(x); Tensor b = torch.relu(a); Tensor c = torch.max_pool2d(b, 2, 2);
                     Tensor e = conv2.forward(c); Tensor f = torch.relu(e); Tensor g = torch.max_pool2d(f, 2, 2);
                     Tensor h = g.flatten(1, -1); Tensor k = l1.forward(h); Tensor r = torch.relu(k)) {
                    return l2.forward(r);
                }
            }

            private Tensor mlpLogits(Tensor x) {
                try (Tensor a = l1.forward(x); Tensor b = torch.relu(a); Tensor c = l2.forward(b);
                     Tensor e = torch.relu(c)) {
                    return fc3.forward(e);
                }
            }

            @Override
            public double run(long iters) {
                float last = 0;
                for (long i = 0; i < iters; i++) {
                    long s = F.start(step++);
                    try (Tensor x = images.narrow(0, s, F.BATCH); Tensor y = labels.narrow(0, s, F.BATCH)) {
                        opt.zero_grad();
                        try (Tensor logits = cnn ? cnnLogits(x) : mlpLogits(x);
                             Tensor logp = torch.log_softmax(logits, 1); Tensor loss = torch.nll_loss(logp, y)) {
                            loss.backward();
                            opt.step().close();
                            last = loss.item_float();
                        }
                    }
                }
                return last;
            }

            @Override
            public void close() {
                opt.close();
                model.close();
                images.close();
                labels.close();
            }
        };
    }
}
