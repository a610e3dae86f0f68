package ekt.core;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/ekt/api.h}: the model calls and the shared error
 * channel. Callers use {@link Model}; this class is the raw boundary.
 */
@Platform(include = "ekt/api.h", link = "ektcore")
final class ModelNative {
    static {
        Loader.load();
    }

    private ModelNative() {
    }

    /** Opaque {@code ekt_model*}. */
    @Opaque
    public static final class ekt_model extends Pointer {
        public ekt_model() {
            super((Pointer) null);
        }

        public ekt_model(Pointer p) {
            super(p);
        }
    }

    public static native @Cast("const char*") BytePointer ekt_last_error();

    public static native @Cast("const char*") BytePointer ekt_runtime_info();

    public static native int ekt_set_num_threads(int threads);

    public static native int ekt_check_device(String device);

    public static native ekt_model ekt_model_load(String dir, String device, String dtype);

    public static native void ekt_model_free(ekt_model model);

    public static native @Cast("const char*") BytePointer ekt_model_info(ekt_model model);

    public static native int ekt_model_forward(ekt_model model, @Cast("const int64_t*") long[] ids,
                                               @Cast("const uint8_t*") byte[] mask, long batch, long seq,
                                               int lastOnly, float[] logits, long logitsLen);

    public static native int ekt_model_save(ekt_model model, String dir, String dtype);

    public static native int ekt_checkpoint_convert(String srcDir, String dstDir);
}
