package ekt.core;

/**
 * One finished sample, as the engine returns it.
 *
 * @param prompt    the prompt's index in submission order
 * @param sample    0 .. n-1
 * @param tokens    generated ids; with {@link Finish#EOS} the last one is the EOS token, with
 *                  {@link Finish#STOP} the last one completed the stop match
 * @param logprobs  per token: log-softmax of the model's raw logits (temperature 1, no top-k/top-p)
 * @param finish    why the sample ended (length limit, EOS or a stop match)
 * @param textBytes length in bytes of the sample's text (the tokens' bytes, EOS excluded, cut right
 *                  after a stop-string match); -1 when the sampler has no token byte table
 * @param seconds   wall time from the sample's first token to its last
 */
public record GeneratedSample(int prompt, int sample, int[] tokens, float[] logprobs, Finish finish, int textBytes,
                              double seconds) {
    /** Log-probability of the whole sample under the raw model distribution. */
    public double logprob() {
        double sum = 0;
        for (float l : logprobs) sum += l;
        return sum;
    }
}
