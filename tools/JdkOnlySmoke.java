import dev.nabla.bindings.NativeLibrary;
import static dev.nabla.bindings.global.nabla.*;
import org.bytedeco.javacpp.PointerPointer;
public class JdkOnlySmoke {
  public static void main(String[] a) {
    NativeLibrary.load();
    PointerPointer out = new PointerPointer<>(1);
    long st = nb_tensor_full(NB_DTYPE_F32, new org.bytedeco.javacpp.LongPointer(2L,2L), 2, 3.0, out);
    long t = out.get(0).address();
    st = nb_tensor_sum(0, t, out);
    double[] v = new double[1]; nb_tensor_item(out.get(0).address(), v);
    System.out.println("sum=" + v[0] + " abi=" + nb_abi_version());
  }
}
