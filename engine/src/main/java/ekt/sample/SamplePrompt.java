package ekt.sample;

/**
 * A prompt record: {@code {"id": str, "prompt": str}} or {@code {"id": str, "tokens": [int]}}.
 * Exactly one of {@code text} and {@code tokens} is set. The id keys the prompt's random streams.
 *
 * @param id     the prompt's id, unique within a job; samples of the same id and seed are the same in any run
 * @param text   the prompt as text (needs a {@link TextCodec}), or null when {@code tokens} is given
 * @param tokens the prompt as token ids, or null when {@code text} is given
 */
public record SamplePrompt(String id, String text, int[] tokens) {
    /** @throws IllegalArgumentException if the id is null, or not exactly one of text and tokens is */
    public SamplePrompt {
        if (id == null) throw new IllegalArgumentException("prompt record needs an \"id\"");
        if ((text == null) == (tokens == null))
            throw new IllegalArgumentException("prompt " + id + " needs exactly one of \"prompt\" and \"tokens\"");
    }

    /** A text prompt (the job's codec encodes it). */
    public static SamplePrompt ofText(String id, String text) {
        return new SamplePrompt(id, text, null);
    }

    /** A prompt given as token ids, used as they are (no codec needed). */
    public static SamplePrompt ofTokens(String id, int[] tokens) {
        return new SamplePrompt(id, null, tokens);
    }
}
