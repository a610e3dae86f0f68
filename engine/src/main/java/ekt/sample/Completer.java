package ekt.sample;

import ekt.core.SamplingOptions;

import java.util.List;
import java.util.function.Consumer;

/**
 * Anything that completes prompts: the native engine on a local checkpoint
 * ({@link EngineCompleter}), an OpenAI-compatible HTTP server or a replay of recorded samples. The
 * pipeline's teacher, the models under evaluation and the dev monitor all sample through it.
 * Records of one prompt may arrive in any order relative to other prompts; all
 * {@code options.n()} of a prompt are delivered before {@link #complete} returns. Options a
 * completer cannot honour (an HTTP server cannot stop on token ids) are an
 * {@link IllegalArgumentException}, not silently dropped.
 */
public interface Completer extends AutoCloseable {
    /** A short description for manifests and reports ("engine:DIR", "http:URL", "replay:FILE"). */
    String describe();

    /** Samples {@code options.n()} completions of every prompt into {@code sink}. */
    void complete(List<SamplePrompt> prompts, SamplingOptions options, Consumer<SampleRecord> sink);

    /** Releases what the completer holds (a model it loaded, connections); the default holds nothing. */
    @Override
    default void close() {
    }
}
