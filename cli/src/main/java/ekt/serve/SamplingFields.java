package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Set;

/**
 * The sampling fields completions and chat completions share, read strictly and checked
 * against the server's caps.
 *
 * @param samples      drawn per prompt: best_of if given, else n
 * @param seed         null: fresh randomness for this request
 * @param topLogprobs  alternatives per token; -1: no logprobs at all
 */
record SamplingFields(int n, int samples, double temperature, double topP, int topK, int maxTokens, List<String> stop, Long seed,
                      int topLogprobs, boolean stream, boolean includeUsage) {
    static final Set<String> NAMES = Set.of("model", "n", "best_of", "temperature", "top_p", "top_k", "max_tokens", "stop", "seed",
            "stream", "stream_options", "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "user");

    static SamplingFields read(Fields f, ServeSettings caps, int vocab, int topLogprobs, int defaultMaxTokens, int minMaxTokens) {
        int n = (int) f.integer("n", 1, 1, caps.maxN());
        int bestOf = (int) f.integer("best_of", n, 1, caps.maxN());
        if (bestOf < n) throw ApiError.invalid("best_of", "'best_of' (" + bestOf + ") must be >= n (" + n + ")");
        double temperature = f.number("temperature", 1.0, 0, 2);
        double topP = f.number("top_p", 1.0, Double.MIN_VALUE, 1);
        int topK = (int) f.integer("top_k", -1, -1, vocab);
        int maxTokens = (int) f.integer("max_tokens", defaultMaxTokens, minMaxTokens, caps.maxTokens());
        if ((long) bestOf * maxTokens > caps.maxTotalTokens())
            throw ApiError.invalid(f.has("best_of") ? "best_of" : "n", (f.has("best_of") ? "best_of" : "n") + " × max_tokens = "
                    + (long) bestOf * maxTokens + " exceeds this server's limit of " + caps.maxTotalTokens() + " tokens per prompt");
        List<String> stop = f.strings("stop", 16);
        Long seed = f.has("seed") ? f.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : null;
        f.neutralNumber("presence_penalty", 0);
        f.neutralNumber("frequency_penalty", 0);
        f.neutralNumber("repetition_penalty", 1);
        f.neutralEmpty("logit_bias");
        f.string("user");  // metadata: checked, not used
        boolean stream = f.bool("stream", false);
        boolean includeUsage = false;
        JsonNode options = f.get("stream_options");
        if (options != null) {
            if (!stream) throw ApiError.invalid("stream_options", "'stream_options' needs 'stream': true");
            Fields o = new Fields(options, Set.of("include_usage", "continuous_usage_stats"));
            includeUsage = o.bool("include_usage", false);
            if (o.bool("continuous_usage_stats", false))
                throw ApiError.invalid("stream_options", "'continuous_usage_stats' is not supported by this server");
        }
        if (stream && bestOf != n) throw ApiError.invalid("best_of", "'best_of' other than n cannot be streamed");
        return new SamplingFields(n, bestOf, temperature, topP, topK, maxTokens, stop, seed, topLogprobs, stream, includeUsage);
    }

    /** The engine's per-prompt options (ekt/sample_stream_api.h) for a request seeded with {@code seed}. */
    String engineOptions(long seed, Integer eosTokenId) {
        var o = Json.object().put("n", samples).put("temperature", temperature).put("top_p", topP).put("top_k", Math.max(0, topK))
                .put("max_new_tokens", maxTokens).put("seed", seed).put("top_logprobs", Math.max(0, topLogprobs));
        if (eosTokenId != null) o.put("eos_token_id", eosTokenId);
        stop.forEach(o.putArray("stop_strings")::add);
        return Json.line(o);
    }
}
