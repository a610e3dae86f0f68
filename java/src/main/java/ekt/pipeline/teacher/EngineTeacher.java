package ekt.pipeline.teacher;

import ekt.core.Model;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.Generation;
import ekt.sample.SamplePrompt;
import ekt.sample.TextCodec;

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

    public EngineTeacher(Model model, TextCodec codec, String name) {
        this.model = model;
        this.codec = codec;
        this.name = name;
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
