/**
 * Saving and loading tensors: {@link dev.nabla.io.SafeTensors} reads and writes the safetensors format,
 * byte for byte as the Python {@code safetensors} library does.
 */
package dev.nabla.io;
