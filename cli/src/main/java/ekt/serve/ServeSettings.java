package ekt.serve;

import ekt.core.SamplingOptions;
import ekt.serve.http.HttpLimits;

/**
 * How {@code ekt serve} answers and what one request may ask for.
 *
 * @param modelName     the name clients pass as "model" (others get 404)
 * @param apiKey        required as "Authorization: Bearer KEY"; null: no authentication
 * @param maxN          largest n (and best_of)
 * @param maxTokens     largest max_tokens
 * @param maxTotalTokens largest n (or best_of) × max_tokens of one prompt
 * @param maxLogprobs   largest logprobs / top_logprobs
 * @param maxRequests   requests queued or decoding at once (429 beyond)
 * @param maxBatch      rows the engine decodes together
 * @param memoryBudgetMb the engine's caches and activations (0: its default)
 * @param http          what one client may cost the HTTP server (sizes, deadlines, connections)
 */
public record ServeSettings(String modelName, String apiKey, int maxN, int maxTokens, long maxTotalTokens, int maxLogprobs,
                            int maxRequests, int maxBatch, long memoryBudgetMb, HttpLimits http) {
    /**
     * @param modelName the name clients pass as "model"
     * @return {@code ekt serve}'s defaults: no API key, n up to 128, max_tokens up to 2048, 65536
     *         tokens per prompt, 20 logprobs, 256 requests and batch rows, the engine's memory default
     */
    public static ServeSettings defaults(String modelName) {
        SamplingOptions engine = SamplingOptions.builder().build();
        return new ServeSettings(modelName, null, 128, 2048, 65536, 20, 256, engine.maxBatch(), engine.memoryBudgetMb(), HttpLimits.defaults());
    }

    /** @return these settings requiring {@code key} as bearer token (null: no authentication) */
    public ServeSettings withApiKey(String key) {
        return new ServeSettings(modelName, key, maxN, maxTokens, maxTotalTokens, maxLogprobs, maxRequests, maxBatch, memoryBudgetMb, http);
    }

    /** @return these settings with another limit of requests queued or decoding at once */
    public ServeSettings withMaxRequests(int requests) {
        return new ServeSettings(modelName, apiKey, maxN, maxTokens, maxTotalTokens, maxLogprobs, requests, maxBatch, memoryBudgetMb, http);
    }

    /** @return these settings with other HTTP limits */
    public ServeSettings withHttp(HttpLimits limits) {
        return new ServeSettings(modelName, apiKey, maxN, maxTokens, maxTotalTokens, maxLogprobs, maxRequests, maxBatch, memoryBudgetMb, limits);
    }
}
