package ekt.sample;

import ekt.core.Finish;
import ekt.core.GeneratedSample;
import ekt.core.Model;
import ekt.core.Sampler;
import ekt.core.SamplingOptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A sampling job: prompt records in, sample records out, in prompt order (each prompt's samples
 * together, by sample index), so the output does not depend on batch size. Text prompts, text
 * output and stop strings need a {@link TextCodec}; token-id prompts work without one.
 */
public final class Generation {
    /** Where a job stands; rates are over the job's wall time so far. */
    public record Status(long samplesDone, long samplesTotal, long tokens, double seconds) {
        public double samplesPerSecond() {
            return seconds > 0 ? samplesDone / seconds : 0;
        }

        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }

        /** Seconds left at the current rate (NaN before the first sample finishes). */
        public double etaSeconds() {
            return samplesDone > 0 ? (samplesTotal - samplesDone) / samplesPerSecond() : Double.NaN;
        }
    }

    private static final int STEPS_PER_CALL = 16;

    private final Model model;
    private final SamplingOptions options;
    private final TextCodec codec;
    private final boolean tokenLogprobs;
    private byte[][] vocab;

    /**
     * @param codec         null for token-id prompts only (then records have no text)
     * @param tokenLogprobs whether records carry the per-token "logprobs" array
     */
    public Generation(Model model, SamplingOptions options, TextCodec codec, boolean tokenLogprobs) {
        this.model = model;
        this.options = options;
        this.codec = codec;
        this.tokenLogprobs = tokenLogprobs;
    }

    /** Samples every prompt; records go to {@code sink}, progress (after each engine call) to {@code progress}. */
    public void run(List<SamplePrompt> prompts, Consumer<SampleRecord> sink, Consumer<Status> progress) {
        if (!options.stopStrings().isEmpty() && codec == null)
            throw new IllegalArgumentException("stop strings need a tokenizer; the model has none (use token stop sequences)");
        List<int[]> tokens = new ArrayList<>(prompts.size());
        long[] keys = new long[prompts.size()];
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < prompts.size(); i++) {
            SamplePrompt p = prompts.get(i);
            if (!ids.add(p.id())) throw new IllegalArgumentException("duplicate prompt id '" + p.id() + "'");
            if (p.tokens() == null && codec == null)
                throw new IllegalArgumentException("prompt '" + p.id() + "' is text but the model has no tokenizer; give \"tokens\"");
            tokens.add(p.tokens() != null ? p.tokens() : codec.encode(p.text()));
            keys[i] = Sampler.keyOf(p.id());
        }
        long start = System.nanoTime();
        long total = (long) prompts.size() * options.n(), done = 0, generated = 0;
        Map<Integer, List<GeneratedSample>> pending = new HashMap<>();
        int nextPrompt = 0;
        try (Sampler sampler = Sampler.open(model, options)) {
            if (codec != null) sampler.setVocab(vocab());
            if (!prompts.isEmpty()) sampler.add(tokens, keys);
            boolean more = !prompts.isEmpty();
            while (more) {
                more = sampler.run(STEPS_PER_CALL);
                for (GeneratedSample s : sampler.take()) {
                    pending.computeIfAbsent(s.prompt(), k -> new ArrayList<>()).add(s);
                    done++;
                    generated += s.tokens().length;
                }
                // Emit whole prompts, in input order.
                for (List<GeneratedSample> ready; nextPrompt < prompts.size()
                        && (ready = pending.get(nextPrompt)) != null && ready.size() == options.n(); nextPrompt++) {
                    pending.remove(nextPrompt);
                    ready.sort(java.util.Comparator.comparingInt(GeneratedSample::sample));
                    for (GeneratedSample s : ready) sink.accept(record(prompts.get(nextPrompt).id(), s));
                }
                progress.accept(new Status(done, total, generated, (System.nanoTime() - start) / 1e9));
            }
        }
    }

    private SampleRecord record(String id, GeneratedSample s) {
        return new SampleRecord(id, s.sample(), codec == null ? null : text(s), s.tokens(), s.finish(), s.logprob(),
                tokenLogprobs ? s.logprobs() : null);
    }

    /** The sample's token bytes (EOS excluded) cut where the engine says the text ends. */
    private String text(GeneratedSample s) {
        int count = s.finish() == Finish.EOS ? s.tokens().length - 1 : s.tokens().length;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < count; i++) bytes.writeBytes(vocab[s.tokens()[i]]);
        return new String(bytes.toByteArray(), 0, s.textBytes(), StandardCharsets.UTF_8);
    }

    private byte[][] vocab() {
        if (vocab == null) {
            vocab = new byte[model.info().vocabSize()][];
            for (int t = 0; t < vocab.length; t++) vocab[t] = codec.tokenBytes(t);
        }
        return vocab;
    }
}
