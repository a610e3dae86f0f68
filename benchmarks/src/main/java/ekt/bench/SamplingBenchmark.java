package ekt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.core.GeneratedSample;
import ekt.core.Model;
import ekt.core.Sampler;
import ekt.core.SamplingOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The sampling engine on stack.md's peer shape: random-weight GPT-2, 6 layers, d=512, 8 heads,
 * vocab 8192, fp32, CPU. One operation samples a whole workload to the end (no EOS, so every
 * sample has exactly the requested length); the engine's own decode ms/step and token counts are
 * printed after each iteration ("[sampling] ...").
 *
 * <ul>
 *   <li>{@code decode}: B rows decoded together, n samples per prompt, 16-token prompts, 128 new
 *       tokens: ceil(B / n) prompts, so the batch starts full. B=1..64, n=1 is the peers' workload.</li>
 *   <li>{@code sharedPrompt}: one 400-token prompt, n=100 samples of 150 tokens, all 100 decoded
 *       together; share=true prefills the prompt once and keeps one copy of its keys, share=false
 *       is the naive path (prompt re-encoded and stored per sample), same engine, same run.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class SamplingBenchmark {
    static final int LAYERS = 6, HIDDEN = 512, HEADS = 8, VOCAB = 8192, POSITIONS = 1024;

    @State(Scope.Benchmark)
    public static class Checkpoint {
        Path dir;
        Model model;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            dir = Files.createTempDirectory("ekt-bench-gpt2");
            RandomCheckpoint.gpt2(dir, LAYERS, HIDDEN, HEADS, VOCAB, POSITIONS, 1);
            model = Model.load(dir);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            model.close();
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    static List<int[]> prompts(int count, int length) {
        SplittableRandom random = new SplittableRandom(count * 31L + length);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(random.ints(length, 0, VOCAB - 1).toArray());
        return out;
    }

    /** Samples everything; returns the generated token count (consumed by JMH). */
    static long sample(Model model, SamplingOptions options, List<int[]> prompts) {
        long[] keys = new long[prompts.size()];
        for (int i = 0; i < keys.length; i++) keys[i] = i;
        long tokens = 0;
        try (Sampler s = Sampler.open(model, options)) {
            s.add(prompts, keys);
            for (GeneratedSample g : s.runToEnd()) tokens += g.tokens().length;
            JsonNode st = s.stats();
            System.out.printf("[sampling] rows=%d samples=%d tokens=%d decode_steps=%d ms_per_step=%.2f prefill_s=%.3f decode_s=%.3f%n",
                    st.get("rows").asInt(), st.get("samples_done").asInt(), tokens, st.get("decode_steps").asInt(),
                    st.get("ms_per_step").asDouble(), st.get("prefill_seconds").asDouble(), st.get("decode_seconds").asDouble());
        }
        return tokens;
    }

    @State(Scope.Benchmark)
    public static class Decode {
        @Param({"1", "16", "64", "256"})
        int batch;
        @Param({"1", "16", "100"})
        int n;
        List<int[]> prompts;
        SamplingOptions options;

        @Setup(Level.Trial)
        public void setup() {
            prompts = prompts((batch + n - 1) / n, 16);
            options = SamplingOptions.builder().n(n).temperature(0.6).topK(50).maxNewTokens(128).eosTokenId(-1)
                    .maxBatch(batch).seed(1).build();
        }
    }

    @Benchmark
    public long decode(Checkpoint c, Decode d) {
        return sample(c.model, d.options, d.prompts);
    }

    @State(Scope.Benchmark)
    public static class SharedPrompt {
        @Param({"true", "false"})
        boolean share;
        List<int[]> prompts;
        SamplingOptions options;

        @Setup(Level.Trial)
        public void setup() {
            prompts = prompts(1, 400);
            options = SamplingOptions.builder().n(100).temperature(0.6).topK(50).maxNewTokens(150).eosTokenId(-1)
                    .maxBatch(100).seed(1).sharePrompt(share).build();
        }
    }

    @Benchmark
    public long sharedPrompt(Checkpoint c, SharedPrompt s) {
        return sample(c.model, s.options, s.prompts);
    }
}
