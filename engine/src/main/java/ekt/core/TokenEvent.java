package ekt.core;

/**
 * One drawn token of a sample, from a sampler in token-event mode.
 *
 * @param prompt       the prompt's index (from {@link Sampler#addPrompt})
 * @param sample       the sample's index within its prompt, 0 .. n - 1
 * @param token        the drawn token id
 * @param logprob      raw log-softmax (temperature 1, no filters) of the token
 * @param finish       null while the sample goes on; else why it ended (this token is its last)
 * @param topIds       the prompt's top_logprobs most likely tokens at this step, most likely first
 * @param topLogprobs  their raw log-probabilities
 */
public record TokenEvent(int prompt, int sample, int token, float logprob, Finish finish, int[] topIds, float[] topLogprobs) {
}
