package ekt.serve;

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
 */
public record ServeSettings(String modelName, String apiKey, int maxN, int maxTokens, long maxTotalTokens, int maxLogprobs,
                            int maxRequests, int maxBatch, long memoryBudgetMb, HttpLimits http) {
    public static ServeSettings defaults(String modelName) {
        return new ServeSettings(modelName, null, 128, 2048, 65536, 20, 256, 256, 0, HttpLimits.defaults());
    }

    public ServeSettings withApiKey(String key) {
        return new ServeSettings(modelName, key, maxN, maxTokens, maxTotalTokens, maxLogprobs, maxRequests, maxBatch, memoryBudgetMb, http);
    }

    public ServeSettings withMaxRequests(int requests) {
        return new ServeSettings(modelName, apiKey, maxN, maxTokens, maxTotalTokens, maxLogprobs, requests, maxBatch, memoryBudgetMb, http);
    }

    public ServeSettings withHttp(HttpLimits limits) {
        return new ServeSettings(modelName, apiKey, maxN, maxTokens, maxTotalTokens, maxLogprobs, maxRequests, maxBatch, memoryBudgetMb, limits);
    }
}
