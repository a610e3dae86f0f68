package ekt.sample;

/**
 * A prompt record: {@code {"id": str, "prompt": str}} or {@code {"id": str, "tokens": [int]}}.
 * Exactly one of {@code text} and {@code tokens} is set. The id keys the prompt's random streams.
 */
public record SamplePrompt(String id, String text, int[] tokens) {
    public SamplePrompt {
        if (id == null) throw new IllegalArgumentException("prompt record needs an \"id\"");
        if ((text == null) == (tokens == null))
            throw new IllegalArgumentException("prompt " + id + " needs exactly one of \"prompt\" and \"tokens\"");
    }

    public static SamplePrompt ofText(String id, String text) {
        return new SamplePrompt(id, text, null);
    }

    public static SamplePrompt ofTokens(String id, int[] tokens) {
        return new SamplePrompt(id, null, tokens);
    }
}
