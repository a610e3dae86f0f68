package ekt.core;

import ekt.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampling engine against the independent numpy reference ({@code Reference.logits}):
 * greedy chains, sampled frequencies (chi-square), reproducibility by key, memory errors.
 */
class SamplerReferenceTest {
    static final int VOCAB = 97;
    @TempDir
    static Path dir;
    static Path gpt2;

    @BeforeAll
    static void makeModels() {
        gpt2 = Reference.make(dir.resolve("gpt2"), "gpt2", "--layers", "2", "--hidden", "32", "--heads", "4", "--seed", "1");
    }

    static Stream<Arguments> architectures() {
        return Stream.of(
                Arguments.of("gpt2", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--seed", "4"}),
                // Window 4 with 30 new tokens: generation runs far past the local window.
                Arguments.of("gpt_neo", new String[]{"--layers", "3", "--hidden", "32", "--heads", "4", "--window", "4",
                        "--seed", "6"}));
    }

    static final int[][] PROMPTS = {{5, 17, 3, 88, 41}, {9, 9, 12, 60, 2, 71, 33, 8, 19}, {44, 1}};

    @ParameterizedTest
    @MethodSource("architectures")
    void greedyWithCacheEqualsGreedyWithoutCacheAndTheReferenceChain(String type, String[] options, @TempDir Path tmp) {
        Path ckpt = Reference.make(tmp.resolve("m"), type, options);
        int newTokens = 30;
        SamplingOptions greedy = SamplingOptions.builder().temperature(0).n(2).maxNewTokens(newTokens).eosTokenId(-1)
                .maxBatch(3).build();
        try (Model m = Model.load(ckpt); Sampler s = Sampler.open(m, greedy)) {
            List<int[]> prompts = List.of(PROMPTS);
            s.add(prompts, new long[]{1, 2, 3});
            List<GeneratedSample> samples = s.runToEnd();
            assertEquals(6, samples.size());
            for (GeneratedSample g : samples) {
                int[] prompt = PROMPTS[g.prompt()];
                assertEquals(Finish.LENGTH, g.finish());
                assertArrayEquals(greedyWithoutCache(m, prompt, newTokens), g.tokens(), type + " prompt " + g.prompt());
                assertIsReferenceGreedyChain(ckpt, prompt, g.tokens());
            }
        }
    }

    /** Re-runs the whole sequence for every token: no cache at all. */
    static int[] greedyWithoutCache(Model m, int[] prompt, int steps) {
        long[] seq = new long[prompt.length + steps];
        for (int i = 0; i < prompt.length; i++) seq[i] = prompt[i];
        int[] out = new int[steps];
        for (int s = 0; s < steps; s++) {
            int len = prompt.length + s;
            out[s] = argmax(m.lastLogits(Arrays.copyOf(seq, len), null, 1, len), 0, VOCAB);
            seq[len] = out[s];
        }
        return out;
    }

    /** Each generated token is the reference's argmax after the tokens before it (near-ties allowed). */
    static void assertIsReferenceGreedyChain(Path ckpt, int[] prompt, int[] generated) {
        long[] all = new long[prompt.length + generated.length];
        for (int i = 0; i < prompt.length; i++) all[i] = prompt[i];
        for (int i = 0; i < generated.length; i++) all[prompt.length + i] = generated[i];
        double[][] ref = Reference.logits(ckpt, all);
        for (int t = 0; t < generated.length; t++) {
            double[] row = ref[prompt.length + t - 1];
            double max = Arrays.stream(row).max().orElseThrow();
            double scale = Arrays.stream(row).map(Math::abs).max().orElseThrow();
            assertTrue(max - row[generated[t]] <= 1e-4 * scale,
                    "token " + t + ": generated " + generated[t] + " is not the reference argmax " + argmax(row));
        }
    }

    static Stream<Arguments> filters() {
        return Stream.of(Arguments.of(0.7, 20, 0.9), Arguments.of(1.5, 0, 1.0), Arguments.of(1.0, 0, 0.8),
                Arguments.of(1.0, 7, 1.0));
    }

    @ParameterizedTest
    @MethodSource("filters")
    void sampledFrequenciesMatchTheFilteredReferenceSoftmax(double temperature, int topK, double topP) {
        int[] prompt = {1, 2, 3, 4};
        int n = 10000;
        double[] logits = Reference.logits(gpt2, 1, 2, 3, 4)[prompt.length - 1];
        double[] expected = filteredSoftmax(logits, temperature, topK, topP);
        SamplingOptions o = SamplingOptions.builder().n(n).temperature(temperature).topK(topK).topP(topP)
                .maxNewTokens(1).seed(20).build();
        int[] counts = new int[VOCAB];
        try (Model m = Model.load(gpt2); Sampler s = Sampler.open(m, o)) {
            s.add(7, prompt);
            double logZ = logSumExp(logits);
            for (GeneratedSample g : s.runToEnd()) {
                int token = g.tokens()[0];
                counts[token]++;
                assertEquals(logits[token] - logZ, g.logprobs()[0], 1e-4, "raw-model log-probability of " + token);
            }
        }
        // Chi-square over bins with expected count >= 5 (the rest pooled); filtered tokens never appear.
        double chi2 = 0, pooledExpected = 0, pooledCount = 0;
        int bins = 0;
        for (int v = 0; v < VOCAB; v++) {
            if (expected[v] == 0) {
                assertEquals(0, counts[v], "token " + v + " was filtered out but drawn");
            } else if (expected[v] * n >= 5) {
                chi2 += Math.pow(counts[v] - expected[v] * n, 2) / (expected[v] * n);
                bins++;
            } else {
                pooledExpected += expected[v] * n;
                pooledCount += counts[v];
            }
        }
        if (pooledExpected > 0) {
            chi2 += Math.pow(pooledCount - pooledExpected, 2) / pooledExpected;
            bins++;
        }
        int df = bins - 1;
        assertTrue(df >= 5, "test needs a spread distribution, got " + df + " degrees of freedom");
        assertTrue(chi2 < chiSquareQuantile999(df), "chi-square " + chi2 + " with " + df + " degrees of freedom");
    }

    /** Hugging Face's warpers in order: temperature, top-k (ties at the k-th value kept), top-p on the renormalised rest. */
    static double[] filteredSoftmax(double[] logits, double temperature, int topK, double topP) {
        int v = logits.length;
        double[] scaled = Arrays.stream(logits).map(x -> x / temperature).toArray();
        if (topK > 0) {
            double kth = Arrays.stream(scaled).boxed().sorted((a, b) -> Double.compare(b, a)).skip(topK - 1)
                    .findFirst().orElseThrow();
            for (int i = 0; i < v; i++) if (scaled[i] < kth) scaled[i] = Double.NEGATIVE_INFINITY;
        }
        double[] p = softmax(scaled);
        if (topP < 1) {
            Integer[] order = new Integer[v];
            for (int i = 0; i < v; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double before = 0;
            for (int i : order) {
                double pi = p[i];
                if (before >= topP) p[i] = 0;
                before += pi;
            }
            double sum = Arrays.stream(p).sum();
            for (int i = 0; i < v; i++) p[i] /= sum;
        }
        return p;
    }

    /** Wilson-Hilferty approximation of the chi-square 0.999 quantile. */
    static double chiSquareQuantile999(int df) {
        double z = 3.0902, a = 2.0 / (9 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    @Test
    void sameKeyGivesTheSameSampleWhateverTheBatchSizeOrderOrSharding() {
        int[][] prompts = {{3, 1, 4, 1, 5}, {9, 2, 6}, {5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8}, {4}, {6, 2, 6, 4, 3, 3}};
        long[] keys = {Sampler.keyOf("a"), Sampler.keyOf("b"), Sampler.keyOf("c"), Sampler.keyOf("d"), Sampler.keyOf("e")};
        SamplingOptions base = SamplingOptions.builder().n(3).temperature(1.0).topK(40).maxNewTokens(12).seed(99)
                .eosTokenId(-1).build();
        try (Model m = Model.load(gpt2)) {
            Map<String, GeneratedSample> reference = null;
            for (int batch : new int[]{1, 7, 64}) {
                Map<String, GeneratedSample> got = sample(m, base.toBuilder().maxBatch(batch).build(), prompts, keys, new int[]{0, 1, 2, 3, 4});
                if (reference == null) reference = got;
                assertSameSamples(reference, got, "batch " + batch);
            }
            // Another order, and a shard holding two of the prompts only.
            assertSameSamples(reference, sample(m, base, prompts, keys, new int[]{4, 2, 0, 3, 1}), "shuffled");
            Map<String, GeneratedSample> shard = sample(m, base, prompts, keys, new int[]{3, 1});
            for (Map.Entry<String, GeneratedSample> e : shard.entrySet())
                assertArrayEquals(reference.get(e.getKey()).tokens(), e.getValue().tokens(), "shard " + e.getKey());
        }
    }

    /** Samples the given prompts (in that order); result keyed by "prompt/sample" in the original numbering. */
    static Map<String, GeneratedSample> sample(Model m, SamplingOptions o, int[][] prompts, long[] keys, int[] order) {
        Map<String, GeneratedSample> out = new HashMap<>();
        try (Sampler s = Sampler.open(m, o)) {
            List<int[]> p = new ArrayList<>();
            long[] k = new long[order.length];
            for (int i = 0; i < order.length; i++) {
                p.add(prompts[order[i]]);
                k[i] = keys[order[i]];
            }
            s.add(p, k);
            for (GeneratedSample g : s.runToEnd()) out.put(order[g.prompt()] + "/" + g.sample(), g);
        }
        return out;
    }

    static void assertSameSamples(Map<String, GeneratedSample> expected, Map<String, GeneratedSample> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String key : expected.keySet()) {
            assertArrayEquals(expected.get(key).tokens(), actual.get(key).tokens(), what + " sample " + key);
            float[] a = expected.get(key).logprobs(), b = actual.get(key).logprobs();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4, what + " logprob " + key + "@" + i);
        }
    }

    @Test
    void aBatchBeyondTheMemoryBudgetShrinksAndBadRequestsFailWithMessages() {
        try (Model m = Model.load(gpt2)) {
            try (Sampler s = Sampler.open(m, SamplingOptions.builder().memoryBudgetMb(1).maxBatch(1 << 20).build())) {
                s.add(1, new int[]{1, 2, 3});
                s.run(1);
                int rows = s.stats().get("rows").asInt();
                assertTrue(rows > 0 && rows < 1000, "1 MiB holds a few dozen rows of this model, planned " + rows);
                assertTrue(s.stats().get("memory_planned_bytes").asLong() <= 1 << 20);
            }
            try (Sampler s = Sampler.open(m, SamplingOptions.builder().build())) {
                EktException e = assertThrows(EktException.class, () -> s.add(2, new int[]{VOCAB}));
                assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
                e = assertThrows(EktException.class, () -> s.add(3, new int[64]));
                assertTrue(e.getMessage().contains("context"), e.getMessage());
            }
            EktException e = assertThrows(EktException.class, () -> Sampler.open(m, SamplingOptions.builder().topP(0).build()));
            assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        }
    }

    static int argmax(float[] x, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[offset + i] > x[offset + best]) best = i;
        return best;
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    static double logSumExp(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        return max + Math.log(Arrays.stream(x).map(v -> Math.exp(v - max)).sum());
    }

    static double[] softmax(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double[] e = Arrays.stream(x).map(v -> v == Double.NEGATIVE_INFINITY ? 0 : Math.exp(v - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / sum).toArray();
    }
}
