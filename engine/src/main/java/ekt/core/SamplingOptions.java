package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What to sample: the one options type of every completer (engine, HTTP, replay), {@code ekt sample}
 * and the pipeline's stages. Defaults are written once, in {@link Builder}; the native core gets
 * every value explicitly ({@link #toJson()}).
 *
 * @param n             samples per prompt
 * @param temperature   0 = greedy
 * @param topK          keep the k most likely tokens; 0 = off
 * @param topP          keep the smallest set of tokens whose probability reaches p; 1 = off
 * @param maxNewTokens  generated tokens per sample at most
 * @param seed          the random streams' seed: a sample is reproducible from (seed, prompt id, index)
 * @param stopTokens    token-id sequences that end a sample (kept in it)
 * @param stopStrings   text rules that end a sample (kept in its text; need a tokenizer)
 * @param eosTokenId    null: the model config's; -1: no end-of-sequence token
 * @param sharePrompt   false: every sample prefills its own copy of the prompt (the naive
 *                      baseline, for benchmarks)
 * @param maxBatch      samples decoded together at most; the engine lowers it to fit memoryBudgetMb
 * @param memoryBudgetMb for caches and activations; 0 = the device's default: min(8 GiB, RAM/4) on the CPU, 90% of the free memory on a GPU
 * @param attention     "shared" (default), "torch" or "gather": attention implementations, for tests
 * @param stepsPerSync  decode steps between the engine's stop checks and refills; 0 = the device's
 *                      default (1 on the CPU, 8 on a GPU, where it spares a host synchronisation per
 *                      token); the samples are the same for every value
 * @param cudaGraphs    on a GPU, replay each run of decode steps as a captured CUDA graph (one launch
 *                      per step instead of hundreds); ignored on the CPU; off until measured faster
 * @param tokenEvents   every drawn token is reported as a {@link TokenEvent} and samples are not
 *                      collected for {@link Sampler#take()} (serving: see {@link Sampler#addPrompt})
 */
public record SamplingOptions(int n, double temperature, int topK, double topP, int maxNewTokens, long seed,
                              Integer eosTokenId, List<int[]> stopTokens, List<StopString> stopStrings,
                              boolean sharePrompt, int maxBatch, long memoryBudgetMb, String attention,
                              int stepsPerSync, boolean cudaGraphs, boolean tokenEvents) {

    /** Copies the stop lists. */
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

    /** A builder holding these options, to change some of them. */
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
        b.stepsPerSync = stepsPerSync;
        b.cudaGraphs = cudaGraphs;
        b.tokenEvents = tokenEvents;
        return b;
    }

    /** The core's options JSON (ekt/sample_api.h). */
    public String toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("n", n).put("temperature", temperature).put("top_k", topK).put("top_p", topP)
                .put("max_new_tokens", maxNewTokens).put("seed", seed).put("share_prompt", sharePrompt)
                .put("max_batch", maxBatch).put("memory_budget_mb", memoryBudgetMb).put("attention", attention)
                .put("steps_per_sync", stepsPerSync).put("cuda_graphs", cudaGraphs);
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

    /**
     * Named construction; its field initialisers are the engine's defaults: 1 sample, temperature 1,
     * no top-k or top-p, 128 new tokens, seed 0, the model's EOS, no stop rules, shared prompts,
     * batches of up to 256 samples, the default memory budget, shared attention, the device's steps
     * per sync, no CUDA graphs, no token events.
     */
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
        private int stepsPerSync = 0;
        private boolean cudaGraphs = false;
        private boolean tokenEvents = false;

        /** @param v samples per prompt */
        public Builder n(int v) { n = v; return this; }
        /** @param v 0 = greedy */
        public Builder temperature(double v) { temperature = v; return this; }
        /** @param v 0 = off */
        public Builder topK(int v) { topK = v; return this; }
        /** @param v 1 = off */
        public Builder topP(double v) { topP = v; return this; }
        /** @param v generated tokens per sample at most */
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        /** @param v the random streams' seed */
        public Builder seed(long v) { seed = v; return this; }
        /** @param v null: the model config's; -1: none */
        public Builder eosTokenId(Integer v) { eosTokenId = v; return this; }
        /** @param v token-id stop sequences */
        public Builder stopTokens(List<int[]> v) { stopTokens = v; return this; }
        /** @param v text stop rules */
        public Builder stopStrings(List<StopString> v) { stopStrings = v; return this; }
        /** @param v false: every sample prefills its own prompt copy */
        public Builder sharePrompt(boolean v) { sharePrompt = v; return this; }
        /** @param v samples decoded together at most */
        public Builder maxBatch(int v) { maxBatch = v; return this; }
        /** @param v 0: min(8 GiB, RAM/4) on the CPU, 90% of the free memory on a GPU */
        public Builder memoryBudgetMb(long v) { memoryBudgetMb = v; return this; }
        /** @param v shared, torch or gather */
        public Builder attention(String v) { attention = v; return this; }
        /** @param v decode steps between stop checks; 0: the device's default */
        public Builder stepsPerSync(int v) { stepsPerSync = v; return this; }
        /** @param v on a GPU, replay decode steps as CUDA graphs */
        public Builder cudaGraphs(boolean v) { cudaGraphs = v; return this; }
        /** @param v report every drawn token instead of collecting samples */
        public Builder tokenEvents(boolean v) { tokenEvents = v; return this; }

        /** The options. */
        public SamplingOptions build() {
            return new SamplingOptions(n, temperature, topK, topP, maxNewTokens, seed, eosTokenId, stopTokens,
                    stopStrings, sharePrompt, maxBatch, memoryBudgetMb, attention, stepsPerSync, cudaGraphs,
                    tokenEvents);
        }
    }
}
