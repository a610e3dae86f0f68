package ekt.pipeline;

import ekt.sample.TextCodec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A prompt length limit in tokens that keeps the end of the prompt (paper.md §2: the teacher's
 * tokenizer call has {@code max_length=756, truncation_side='left'}), so a long few-shot block
 * loses its start and the question, which comes last, is kept. The cut falls on a token boundary
 * of {@code codec} and the result is an exact suffix of the prompt's text.
 *
 * @param codec     the tokenizer the limit is counted in (the model that gets the prompt); unused when maxTokens is 0
 * @param maxTokens 0 for no limit
 */
public record PromptCap(TextCodec codec, int maxTokens) {
    /** @throws IllegalArgumentException if {@code maxTokens} is negative */
    public PromptCap {
        if (maxTokens < 0) throw new IllegalArgumentException("prompt cap must be >= 0 tokens, got " + maxTokens);
    }

    /** The prompt, or its last {@code maxTokens} tokens as text. */
    public String apply(String prompt) {
        if (maxTokens == 0) return prompt;
        int[] ids = codec.encode(prompt);
        if (ids.length <= maxTokens) return prompt;
        long keep = 0;
        for (int id : Arrays.copyOfRange(ids, ids.length - maxTokens, ids.length)) keep += codec.tokenBytes(id).length;
        byte[] bytes = prompt.getBytes(StandardCharsets.UTF_8);
        int from = (int) (bytes.length - keep);
        while (from < bytes.length && (bytes[from] & 0xC0) == 0x80) from++;  // never start inside a UTF-8 character
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }

    /** How many of the prompts this cap shortens. */
    public <T> int countTruncated(List<T> items, Function<T, String> prompt) {
        if (maxTokens == 0) return 0;
        int n = 0;
        for (T item : items) if (codec.encode(prompt.apply(item)).length > maxTokens) n++;
        return n;
    }
}
