package ekt.core;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/ekt/train_api.h}. Callers use {@link NativeTrainer}
 * or {@code ekt.train.Trainer}; this class is the raw boundary.
 */
@Platform(include = "ekt/train_api.h", link = "ektcore")
final class TrainNative {
    static {
        Loader.load();
    }

    private TrainNative() {
    }

    /** Opaque {@code ekt_trainer*}. */
    @Opaque
    public static final class ekt_trainer extends Pointer {
        public ekt_trainer() {
            super((Pointer) null);
        }

        public ekt_trainer(Pointer p) {
            super(p);
        }
    }

    public static native ekt_trainer ekt_trainer_create(ModelNative.ekt_model student, ModelNative.ekt_model teacher,
                                                        String optionsJson);

    public static native void ekt_trainer_free(ekt_trainer trainer);

    public static native @Cast("const char*") BytePointer ekt_trainer_info(ekt_trainer trainer);

    public static native int ekt_trainer_step(ekt_trainer trainer, @Cast("const int64_t*") long[] ids,
                                              @Cast("const int64_t*") long[] targets, @Cast("const uint8_t*") byte[] valid,
                                              float[] weights, long rows, long seq, double[] metrics, long metricsLen);

    public static native int ekt_trainer_evaluate(ekt_trainer trainer, @Cast("const int64_t*") long[] ids,
                                                  @Cast("const int64_t*") long[] targets, @Cast("const uint8_t*") byte[] valid,
                                                  float[] weights, long rows, long seq, double[] metrics, long metricsLen);

    public static native int ekt_trainer_gradients(ekt_trainer trainer, @Cast("const int64_t*") long[] ids,
                                                   @Cast("const int64_t*") long[] targets, @Cast("const uint8_t*") byte[] valid,
                                                   float[] weights, long rows, long seq, double[] metrics, long metricsLen);

    public static native int ekt_trainer_gradient(ekt_trainer trainer, String name, float[] out, long len);

    public static native int ekt_trainer_save(ekt_trainer trainer, String dir, String runStateJson);

    public static native @Cast("const char*") BytePointer ekt_trainer_restore(ekt_trainer trainer, String dir);
}
