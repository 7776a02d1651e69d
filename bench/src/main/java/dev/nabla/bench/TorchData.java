package dev.nabla.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Java arrays into libtorch tensors that own a copy of the data. */
final class TorchData {

    private TorchData() {}

    static Tensor floats(float[] data, long... shape) {
        try (FloatPointer p = new FloatPointer(data); Tensor view = torch.from_blob(p, shape)) {
            return view.clone();
        }
    }

    static Tensor longs(long[] data, long... shape) {
        try (LongPointer p = new LongPointer(data); TensorOptions o = new TensorOptions(torch.ScalarType.Long);
             Tensor view = torch.from_blob(p, shape, o)) {
            return view.clone();
        }
    }
}
