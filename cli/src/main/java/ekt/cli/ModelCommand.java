package ekt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.core.Model;
import ekt.core.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code ekt model info|logits|greedy}: inspect and debug checkpoints. */
@Command(name = "model", description = "Inspect a checkpoint: info, logits, greedy continuation.",
        subcommands = {HelpCommand.class, ModelCommand.Info.class, ModelCommand.Logits.class, ModelCommand.Greedy.class})
final class ModelCommand {

    static class ModelOption {
        @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory")
        Path model;
        @picocli.CommandLine.Mixin
        DeviceOptions device = new DeviceOptions();

        Model open() {
            return Model.load(model, device.placement());
        }
    }

    static long[] parseIds(String ids) {
        try {
            return Arrays.stream(ids.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--ids must be comma-separated integers, got: " + ids);
        }
    }

    @Command(name = "info", description = "Architecture, parameter count, dtype, context length.")
    static final class Info implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ModelOption opt = new ModelOption();
        @Option(names = "--json", description = "print the full JSON description")
        boolean json;

        @Override
        public Integer call() {
            try (Model m = opt.open()) {
                ModelInfo i = m.info();
                if (json) {
                    System.out.println(i.json());
                } else {
                    System.out.printf("architecture    %s (%s)%n", i.architecture(), i.modelType());
                    System.out.printf("parameters      %,d%n", i.parameters());
                    System.out.printf("dtype           %s (checkpoint: %s)%n", i.dtype(), i.checkpointDtype());
                    System.out.printf("context length  %d%n", i.contextLength());
                    System.out.printf("vocab size      %d%n", i.vocabSize());
                    System.out.printf("layers x width  %d x %d, %d heads%n", i.layers(), i.hiddenSize(), i.heads());
                    JsonNode j = m.infoJson();
                    System.out.printf("attention       %d kv heads, head dim %d, windows %s%n", j.path("kv_heads").asInt(),
                            j.path("head_dim").asInt(), j.path("attention_windows"));
                    System.out.printf("positions       %s%n", j.path("positions"));
                    System.out.printf("norm            %s%n", j.path("norm").asText());
                    System.out.printf("device          %s%n", i.device());
                }
            }
            return 0;
        }
    }

    @Command(name = "logits", description = "JSON array of the last position's logits for --ids.")
    static final class Logits implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ModelOption opt = new ModelOption();
        @Option(names = "--ids", required = true, description = "comma-separated token ids")
        String ids;

        @Override
        public Integer call() {
            long[] tokens = parseIds(ids);
            try (Model m = opt.open()) {
                float[] logits = m.lastLogits(tokens, null, 1, tokens.length);
                System.out.println(toJson(logits));
            }
            return 0;
        }
    }

    @Command(name = "greedy", description = "JSON array of greedily generated ids (plain loop, no cache).")
    static final class Greedy implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ModelOption opt = new ModelOption();
        @Option(names = "--ids", required = true, description = "comma-separated prompt token ids")
        String ids;
        @Option(names = "--max-new-tokens", defaultValue = "16")
        int maxNewTokens;

        @Override
        public Integer call() {
            long[] tokens = parseIds(ids);
            try (Model m = opt.open()) {
                int context = m.info().contextLength(), room = context - tokens.length;
                if (maxNewTokens < 1 || maxNewTokens > room)
                    throw new IllegalArgumentException("--max-new-tokens must be between 1 and " + room + " (the context length "
                            + context + " minus the " + tokens.length + " prompt tokens), got " + maxNewTokens);
                long[] generated = greedyNoCache(m, tokens, maxNewTokens);
                System.out.println(Arrays.stream(generated).mapToObj(Long::toString)
                        .collect(Collectors.joining(",", "[", "]")));
            }
            return 0;
        }
    }

    /** Reference decoding: re-runs the whole sequence every step. The sampling engine is the fast path. */
    static long[] greedyNoCache(Model m, long[] prompt, int maxNewTokens) {
        long[] seq = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int len = prompt.length;
        int vocab = m.info().vocabSize();
        for (int step = 0; step < maxNewTokens && len < m.info().contextLength(); step++) {
            float[] logits = m.lastLogits(Arrays.copyOf(seq, len), null, 1, len);
            int best = 0;
            for (int v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
            seq[len++] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }

    static String toJson(float[] values) {
        StringBuilder sb = new StringBuilder(values.length * 12).append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(values[i]);
        }
        return sb.append(']').toString();
    }
}
