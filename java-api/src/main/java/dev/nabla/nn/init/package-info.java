/**
 * Parameter initialization, like {@code torch.nn.init}: each function fills a tensor in place with grad
 * mode off and returns it. See {@link dev.nabla.nn.init.Init}.
 */
package dev.nabla.nn.init;
