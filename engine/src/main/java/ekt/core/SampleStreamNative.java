package ekt.core;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/ekt/sample_stream_api.h}: per-request prompts,
 * cancellation and token events on a sampler, and prompt scoring. Callers use {@link Sampler}
 * and {@link Model#score}.
 */
@Platform(include = "ekt/sample_stream_api.h", link = "ektcore")
final class SampleStreamNative {
    static {
        Loader.load();
    }

    private SampleStreamNative() {
    }

    public static native int ekt_sampler_add_prompt(SampleNative.ekt_sampler sampler, @Cast("const int64_t*") long[] ids, long length,
                                                    long key, String optionsJson, @Cast("int64_t*") long[] index);

    public static native int ekt_sampler_cancel(SampleNative.ekt_sampler sampler, long prompt);

    public static native int ekt_sampler_events_ready(SampleNative.ekt_sampler sampler, @Cast("int64_t*") long[] events);

    public static native int ekt_sampler_take_events(SampleNative.ekt_sampler sampler, long events, @Cast("int64_t*") long[] prompt,
                                                     @Cast("int64_t*") long[] sample, @Cast("int64_t*") long[] token, float[] logprob,
                                                     @Cast("int32_t*") int[] finish, long topCap, @Cast("int64_t*") long[] topIds,
                                                     float[] topLogprobs);

    public static native int ekt_model_score(ModelNative.ekt_model model, @Cast("const int64_t*") long[] ids, long length, long topN,
                                             float[] logprobs, @Cast("int64_t*") long[] topIds, float[] topLogprobs);
}
