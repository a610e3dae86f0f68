package ekt.cli;

import ekt.core.Model;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.Generation;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecords;
import ekt.sample.TextCodec;
import ekt.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code ekt sample}: n samples per prompt record, written as JSONL sample records. */
@Command(name = "sample", description = "Sample completions for JSONL prompts with the native engine.")
final class SampleCommand implements Callable<Integer> {
    /** The engine's defaults, written once in {@link SamplingOptions.Builder}; the options below start from them. */
    static final SamplingOptions DEFAULTS = SamplingOptions.builder().build();

    @Mixin
    ModelCommand.ModelOption model = new ModelCommand.ModelOption();
    @Option(names = "--prompts", required = true,
            description = "JSONL of {\"id\", \"prompt\"} (text: needs a tokenizer) or {\"id\", \"tokens\"} records")
    Path prompts;
    @Option(names = "--out", required = true, description = "JSONL of sample records")
    Path out;
    @Option(names = "--n", description = "samples per prompt (default: ${DEFAULT-VALUE})")
    int n = DEFAULTS.n();
    @Option(names = "--temperature", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature = DEFAULTS.temperature();
    @Option(names = "--top-k", description = "0 = off (default: ${DEFAULT-VALUE})")
    int topK = DEFAULTS.topK();
    @Option(names = "--top-p", description = "(default: ${DEFAULT-VALUE})")
    double topP = DEFAULTS.topP();
    @Option(names = "--max-new-tokens", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens = DEFAULTS.maxNewTokens();
    @Option(names = "--seed", description = "(default: ${DEFAULT-VALUE})")
    long seed = DEFAULTS.seed();
    @Option(names = "--eos", description = "end-of-sequence id (default: the model config's; -1: none)")
    Integer eos;
    @Option(names = "--stop", description = "stop right after this text (\\n, \\t escapes); repeatable")
    List<String> stops = new ArrayList<>();
    @Option(names = "--stop-line", description = "stop at the end of the first line starting with this text "
            + "(the paper's rule: --stop-line answer); repeatable")
    List<String> stopLines = new ArrayList<>();
    @Option(names = "--stop-tokens", description = "stop once the ids end with this comma-separated sequence; repeatable")
    List<String> stopTokens = new ArrayList<>();
    @Option(names = "--max-batch", description = "samples decoded together, at most (default: ${DEFAULT-VALUE})")
    int batch = DEFAULTS.maxBatch();  // no defaultValue: see Renamed

    @Option(names = "--batch", hidden = true)
    void oldBatch(int value) {
        Renamed.warn("--batch", "--max-batch");
        batch = value;
    }
    @Option(names = "--memory-mb", description = "budget for caches/activations; 0 = min(8 GiB, RAM/4) on the CPU, 90%% of free GPU memory on CUDA")
    long memoryMb = DEFAULTS.memoryBudgetMb();
    @Option(names = "--steps-per-sync", description = "decode steps between stop checks and refills; 0 = the device's "
            + "default: 1 on the CPU, 8 on a GPU (default: ${DEFAULT-VALUE})")
    int stepsPerSync = DEFAULTS.stepsPerSync();
    @Option(names = "--cuda-graphs", description = "on a GPU, replay each run of decode steps as a captured CUDA graph "
            + "(one launch per step); ignored on the CPU")
    boolean cudaGraphs = DEFAULTS.cudaGraphs();
    @Option(names = "--no-share-prompt", description = "prefill the prompt once per sample (naive baseline)")
    boolean noSharePrompt;
    @Option(names = "--no-token-logprobs", description = "leave the per-token \"logprobs\" array out of the records")
    boolean noTokenLogprobs;
    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;
    @Option(names = "--resume", description = "keep the prompts already complete in --out and sample the rest")
    boolean resume;
    @Option(names = "--quiet", description = "no progress on stderr")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        Placement placement = model.device.placement();  // a missing GPU fails before any file is touched
        List<StopString> stopStrings = new ArrayList<>();
        for (String s : stops) stopStrings.add(StopString.of(unescape(s)));
        for (String s : stopLines) stopStrings.add(StopString.line(unescape(s)));
        List<int[]> stopIds = new ArrayList<>();
        for (String s : stopTokens) stopIds.add(java.util.Arrays.stream(ModelCommand.parseIds(s)).mapToInt(Math::toIntExact).toArray());
        SamplingOptions options = SamplingOptions.builder().n(n).temperature(temperature).topK(topK).topP(topP)
                .maxNewTokens(maxNewTokens).seed(seed).eosTokenId(eos).stopStrings(stopStrings).stopTokens(stopIds)
                .maxBatch(batch).memoryBudgetMb(memoryMb).stepsPerSync(stepsPerSync).cudaGraphs(cudaGraphs)
                .sharePrompt(!noSharePrompt).build();

        OutputFile.check(out, resume, overwrite, "--prompts", prompts);
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        List<SamplePrompt> todo = SampleRecords.readPrompts(prompts);
        try (Model m = Model.load(model.model, placement)) {
            SampleLimits.check(n, maxNewTokens, memoryMb, m.info(), model.model, todo, prompts);
            if (resume) {
                Set<String> done = SampleRecords.keepComplete(out, n);
                todo.removeIf(p -> done.contains(p.id()));
                if (!quiet) System.err.printf("resuming: %d prompts already complete, %d to go%n", done.size(), todo.size());
            } else {
                Files.deleteIfExists(out);
            }
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            sample(m, options, todo);
        }
        return 0;
    }

    /** Samples {@code todo} into {@code out}, whole prompts flushed as they finish. */
    private void sample(Model m, SamplingOptions options, List<SamplePrompt> todo) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             Progress bar = quiet ? null : new Progress("sample", (long) todo.size() * n, "samples", "tokens")) {
            TextCodec codec = TextCodec.forModel(model.model).orElse(null);
            Generation generation = new Generation(m, options, codec, !noTokenLogprobs);
            long[] shown = {0, 0};  // samples and tokens already counted by the progress line
            generation.run(todo, record -> {
                try {
                    w.write(record.toJson());
                    w.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
                }
            }, p -> {
                try {
                    w.flush();  // whole prompts reach the file as they finish
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
                }
                if (bar != null) {
                    bar.advance(p.samplesDone() - shown[0], p.tokens() - shown[1]);
                    shown[0] = p.samplesDone();
                    shown[1] = p.tokens();
                }
            });
        }
    }

    /** Java-style escapes in stop texts given on the command line: \n \t \r \\ . */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '\\' -> b.append('\\');
                default -> b.append('\\').append(e);
            }
        }
        return b.toString();
    }
}
