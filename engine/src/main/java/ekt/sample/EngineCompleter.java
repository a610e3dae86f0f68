package ekt.sample;

import ekt.core.Model;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link Completer} run by the native sampling engine on a local checkpoint: shared prompt
 * prefill, KV cache, samples reproducible by (seed, prompt id, index). Stop strings end a sample
 * where they occur (kept in the text).
 */
public final class EngineCompleter implements Completer {
    private final Model model;
    private final TextCodec codec;
    private final String name;
    private final boolean ownsModel;

    /** Borrows {@code model}: closing this completer leaves it open. {@code name} is shown by {@link #describe()}. */
    public EngineCompleter(Model model, TextCodec codec, String name) {
        this(model, codec, name, false);
    }

    private EngineCompleter(Model model, TextCodec codec, String name, boolean ownsModel) {
        this.model = model;
        this.codec = codec;
        this.name = name;
        this.ownsModel = ownsModel;
    }

    /** Loads a checkpoint directory with its tokenizer onto {@code placement}; closing the completer closes the model. */
    public static EngineCompleter open(Path dir, Placement placement) {
        return new EngineCompleter(Model.load(dir, placement), TextCodec.of(Tokenizer.load(dir)), dir.toString(), true);
    }

    @Override
    public void close() {
        if (ownsModel) model.close();
    }

    @Override
    public String describe() {
        return "engine:" + name;
    }

    @Override
    public void complete(List<SamplePrompt> prompts, SamplingOptions options, Consumer<SampleRecord> sink) {
        new Generation(model, options, codec, false).run(prompts, sink, p -> { });
    }
}
