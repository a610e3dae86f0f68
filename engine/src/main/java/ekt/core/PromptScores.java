package ekt.core;

/**
 * A token sequence scored by the model ({@link Model#score}): {@code logprobs[t]} is the raw
 * log-probability of token t after tokens 0..t-1 (NaN for t = 0, which has no context), and
 * {@code topIds[t]} / {@code topLogprobs[t]} the most likely tokens at that position (empty for t = 0).
 */
public record PromptScores(float[] logprobs, int[][] topIds, float[][] topLogprobs) {
}
