/**
 * Optimizers, learning-rate schedulers and gradient clipping, like {@code torch.optim} and
 * {@code torch.nn.utils.clip_grad_*}:
 *
 * <pre>{@code
 * try (SGD opt = new SGD(params, SGD.options().lr(0.1).momentum(0.9))) {
 *     StepLR sched = new StepLR(opt, 30, 0.1);
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         for (var batch : loader) {
 *             try (TensorScope scope = TensorScope.open()) {
 *                 opt.zeroGrad();
 *                 model.forward(batch.x()).sub(batch.y()).pow(2).mean().backward();
 *                 GradClip.clipGradNorm(params, 1.0, 2.0);
 *                 opt.step();
 *             }
 *         }
 *         sched.step();
 *     }
 * }
 * }</pre>
 *
 * <p>Each optimizer follows PyTorch's documented update rule in the same order of operations
 * (see each class). Per-parameter state (momentum buffers, moment estimates) is created on the
 * parameter's first step, as in PyTorch, outside every {@link dev.nabla.TensorScope}, and freed by the
 * optimizer's {@code close()}; {@code stateDict()} and {@code loadStateDict(...)} save and resume it.
 */
package dev.nabla.optim;
