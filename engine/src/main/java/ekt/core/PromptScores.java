package ekt.core;

/**
 * A token sequence scored by the model ({@link Model#score}): {@code logprobs[t]} is the raw
 * log-probability of token t after tokens 0..t-1 (NaN for t = 0, which has no context), and
 * {@code topIds[t]} / {@code topLogprobs[t]} the most likely tokens at that position (empty for t = 0).
 *
 * @param logprobs    one log-probability (natural log) per token of the sequence
 * @param topIds      per position, the most likely token ids, most likely first
 * @param topLogprobs per position, their log-probabilities
 */
public record PromptScores(float[] logprobs, int[][] topIds, float[][] topLogprobs) {
}
