package dev.nabla.bindings.presets;

import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * The JavaCPP preset over {@code nabla.h}. The parse goal turns it into {@code dev.nabla.bindings.global.nabla}
 * (checked in under {@code src/gen/java}); the build goal compiles the JNI library {@code libjninabla.so}.
 *
 * <p>Handles cross as {@code long} addresses rather than {@code Pointer} objects: the Java API keeps one
 * primitive per tensor, allocates nothing per call for its arguments, and hands the data address to FFM.
 * {@code @NoException} because the C ABI never throws.
 */
@Properties(
        target = "dev.nabla.bindings",
        global = "dev.nabla.bindings.global.nabla",
        value = @Platform(include = "nabla.h", link = "nabla"))
@NoException
public class NablaPresets implements InfoMapper {
    @Override
    public void map(InfoMap infoMap) {
        infoMap.put(new Info("NB_API").cppTypes().annotations().skip())
                .put(new Info("NABLA_H").skip())
                // Opaque handles are plain addresses on the Java side; out-parameters take a
                // reusable direct buffer, so a call allocates no Java object for its arguments.
                .put(new Info("nb_tensor", "nb_status", "nb_generator", "nb_node")
                        .cast().valueTypes("long").pointerTypes("long"))
                .put(new Info("!defined(NB_HANDLES_AS_ADDRESSES)").define(false))
                .put(new Info("const char").pointerTypes("String").cast())
                .put(new Info("intptr_t").cast().valueTypes("long").pointerTypes("LongPointer"));
    }
}
