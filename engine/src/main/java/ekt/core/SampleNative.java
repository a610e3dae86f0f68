package ekt.core;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/ekt/sample_api.h}, the sampling engine. Callers use
 * {@link Sampler}; this class is the raw boundary.
 */
@Platform(include = "ekt/sample_api.h", link = "ektcore")
final class SampleNative {
    static {
        Loader.load();
    }

    private SampleNative() {
    }

    /** Opaque {@code ekt_sampler*}. */
    @Opaque
    public static final class ekt_sampler extends Pointer {
        public ekt_sampler() {
            super((Pointer) null);
        }

        public ekt_sampler(Pointer p) {
            super(p);
        }
    }

    public static native ekt_sampler ekt_sampler_create(ModelNative.ekt_model model, String optionsJson);

    public static native void ekt_sampler_free(ekt_sampler sampler);

    public static native int ekt_sampler_set_vocab(ekt_sampler sampler, @Cast("const uint8_t*") byte[] bytes,
                                                   @Cast("const int64_t*") long[] offsets, long vocab);

    public static native int ekt_sampler_add(ekt_sampler sampler, @Cast("const int64_t*") long[] ids,
                                             @Cast("const int64_t*") long[] lengths, @Cast("const int64_t*") long[] keys,
                                             long count);

    public static native int ekt_sampler_run(ekt_sampler sampler, long maxSteps);

    public static native int ekt_sampler_ready(ekt_sampler sampler, @Cast("int64_t*") long[] samples,
                                               @Cast("int64_t*") long[] tokens);

    public static native int ekt_sampler_take(ekt_sampler sampler, long samples, @Cast("int64_t*") long[] prompt,
                                              @Cast("int64_t*") long[] sample, @Cast("int32_t*") int[] finish,
                                              @Cast("int64_t*") long[] length, @Cast("int64_t*") long[] textBytes,
                                              double[] seconds, @Cast("int64_t*") long[] tokens, float[] logprobs,
                                              long tokensCap);

    public static native @Cast("const char*") BytePointer ekt_sampler_stats(ekt_sampler sampler);
}
