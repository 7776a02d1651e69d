/**
 * Data loading: the IDX reader ({@link dev.nabla.data.Idx}), the Fashion-MNIST dataset
 * ({@link dev.nabla.data.FashionMNIST}), and a {@link dev.nabla.data.DataLoader} that batches, shuffles
 * with a seed and prefetches on a background thread.
 */
package dev.nabla.data;
