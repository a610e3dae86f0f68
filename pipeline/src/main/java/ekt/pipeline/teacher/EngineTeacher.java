package ekt.pipeline.teacher;

import ekt.core.Model;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.Generation;
import ekt.sample.SamplePrompt;
import ekt.sample.TextCodec;
import ekt.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A teacher (or student under evaluation) run by the native sampling engine on a local
 * checkpoint: shared prompt prefill, KV cache, samples reproducible by (seed, prompt id, index).
 * Stop strings of the spec end a sample where they occur (kept in the text).
 */
public final class EngineTeacher implements Teacher {
    private final Model model;
    private final TextCodec codec;
    private final String name;
    private final boolean ownsModel;

    /** Borrows {@code model}: closing this teacher leaves it open. */
    public EngineTeacher(Model model, TextCodec codec, String name) {
        this(model, codec, name, false);
    }

    private EngineTeacher(Model model, TextCodec codec, String name, boolean ownsModel) {
        this.model = model;
        this.codec = codec;
        this.name = name;
        this.ownsModel = ownsModel;
    }

    /** Loads a checkpoint directory with its tokenizer onto {@code placement}; closing the teacher closes the model. */
    public static EngineTeacher open(Path dir, Placement placement) {
        return new EngineTeacher(Model.load(dir, placement), TextCodec.of(Tokenizer.load(dir)), dir.toString(), true);
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
    public void sample(List<PromptRequest> prompts, SamplingSpec spec, Consumer<Completion> sink) {
        SamplingOptions options = SamplingOptions.builder().n(spec.n()).temperature(spec.temperature()).topK(spec.topK())
                .topP(spec.topP()).maxNewTokens(spec.maxNewTokens()).seed(spec.seed())
                .stopStrings(spec.stop().stream().map(StopString::of).toList()).build();
        List<SamplePrompt> requests = prompts.stream().map(p -> new SamplePrompt(p.id(), p.prompt(), null)).toList();
        new Generation(model, options, codec, false).run(requests,
                r -> sink.accept(new Completion(r.id(), r.sample(), r.text(), r.tokens(), r.finish().json(), r.logprob())), p -> { });
    }
}
