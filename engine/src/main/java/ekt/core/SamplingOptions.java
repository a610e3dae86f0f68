package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What to sample: n samples per prompt with temperature (0 = greedy), top-k (0 = off), top-p,
 * at most maxNewTokens each, from the random streams of {@code seed}; stop rules; engine sizing.
 * Defaults: see {@link #builder()}.
 *
 * @param eosTokenId    null: the model config's; -1: no end-of-sequence token
 * @param sharePrompt   false: every sample prefills its own copy of the prompt (the naive
 *                      baseline, for benchmarks)
 * @param maxBatch      samples decoded together at most; the engine lowers it to fit memoryBudgetMb
 * @param memoryBudgetMb for caches and activations; 0 = min(8 GiB, a quarter of RAM)
 * @param attention     "shared" (default), "torch" or "gather": attention implementations, for tests
 * @param tokenEvents   every drawn token is reported as a {@link TokenEvent} and samples are not
 *                      collected for {@link Sampler#take()} (serving: see {@link Sampler#addPrompt})
 */
public record SamplingOptions(int n, double temperature, int topK, double topP, int maxNewTokens, long seed,
                              Integer eosTokenId, List<int[]> stopTokens, List<StopString> stopStrings,
                              boolean sharePrompt, int maxBatch, long memoryBudgetMb, String attention,
                              boolean tokenEvents) {

    public SamplingOptions {
        stopTokens = List.copyOf(stopTokens);
        stopStrings = List.copyOf(stopStrings);
    }

    /** Options with every default: see the builder's fields. */
    public static Builder builder() {
        return new Builder();
    }

    /** One greedy completion (temperature 0) of at most {@code maxNewTokens} per prompt. */
    public static SamplingOptions greedy(int maxNewTokens) {
        return builder().n(1).temperature(0).maxNewTokens(maxNewTokens).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.n = n;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.maxNewTokens = maxNewTokens;
        b.seed = seed;
        b.eosTokenId = eosTokenId;
        b.stopTokens = stopTokens;
        b.stopStrings = stopStrings;
        b.sharePrompt = sharePrompt;
        b.maxBatch = maxBatch;
        b.memoryBudgetMb = memoryBudgetMb;
        b.attention = attention;
        b.tokenEvents = tokenEvents;
        return b;
    }

    /** The core's options JSON (ekt/sample_api.h). */
    public String toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("n", n).put("temperature", temperature).put("top_k", topK).put("top_p", topP)
                .put("max_new_tokens", maxNewTokens).put("seed", seed).put("share_prompt", sharePrompt)
                .put("max_batch", maxBatch).put("memory_budget_mb", memoryBudgetMb).put("attention", attention);
        if (tokenEvents) o.put("token_events", true);
        if (eosTokenId != null) o.put("eos_token_id", eosTokenId);
        ArrayNode tokens = o.putArray("stop_tokens");
        for (int[] sequence : stopTokens) {
            ArrayNode s = tokens.addArray();
            for (int t : sequence) s.add(t);
        }
        ArrayNode strings = o.putArray("stop_strings");
        for (StopString s : stopStrings) strings.addObject().put("start", s.start()).put("end", s.end());
        return o.toString();
    }

    public static final class Builder {
        private int n = 1;
        private double temperature = 1.0;
        private int topK = 0;
        private double topP = 1.0;
        private int maxNewTokens = 128;
        private long seed = 0;
        private Integer eosTokenId = null;
        private List<int[]> stopTokens = List.of();
        private List<StopString> stopStrings = List.of();
        private boolean sharePrompt = true;
        private int maxBatch = 256;
        private long memoryBudgetMb = 0;
        private String attention = "shared";
        private boolean tokenEvents = false;

        public Builder n(int v) { n = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder eosTokenId(Integer v) { eosTokenId = v; return this; }
        public Builder stopTokens(List<int[]> v) { stopTokens = v; return this; }
        public Builder stopStrings(List<StopString> v) { stopStrings = v; return this; }
        public Builder sharePrompt(boolean v) { sharePrompt = v; return this; }
        public Builder maxBatch(int v) { maxBatch = v; return this; }
        public Builder memoryBudgetMb(long v) { memoryBudgetMb = v; return this; }
        public Builder attention(String v) { attention = v; return this; }
        public Builder tokenEvents(boolean v) { tokenEvents = v; return this; }

        public SamplingOptions build() {
            return new SamplingOptions(n, temperature, topK, topP, maxNewTokens, seed, eosTokenId, stopTokens,
                    stopStrings, sharePrompt, maxBatch, memoryBudgetMb, attention, tokenEvents);
        }
    }
}
