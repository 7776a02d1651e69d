/**
 * Nabla: reverse-mode automatic differentiation for the JVM, with PyTorch semantics.
 *
 * <p>Start with {@link dev.nabla.Tensor}; manage lifetimes with {@link dev.nabla.TensorScope} and grad
 * mode with {@link dev.nabla.GradMode}. Run with {@code --enable-native-access=ALL-UNNAMED}.
 */
package dev.nabla;
