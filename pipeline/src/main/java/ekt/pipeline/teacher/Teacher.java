package ekt.pipeline.teacher;

import java.util.List;
import java.util.function.Consumer;

/**
 * Anything that completes prompts: the native engine on a local checkpoint, an OpenAI-compatible
 * HTTP server, or a replay of recorded samples. Completions of one prompt may arrive in any order
 * relative to other prompts; all n of a prompt are delivered before {@code sample} returns.
 */
public interface Teacher extends AutoCloseable {
    /** A short description for the manifest and report ("engine:DIR", "http:URL", "replay:FILE"). */
    String describe();

    void sample(List<PromptRequest> prompts, SamplingSpec spec, Consumer<Completion> sink);

    @Override
    default void close() {
    }
}
