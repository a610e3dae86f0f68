package ekt.core;

import java.util.Objects;

/**
 * A text stop rule: the sample stops right after the first {@code end} that follows the first
 * {@code start} in its generated text (an empty {@code end} stops right after {@code start}).
 * The matched text is kept in the sample.
 *
 * @param start the text that arms the rule; not empty
 * @param end   the text after {@code start} that stops the sample; empty = stop right after {@code start}
 */
public record StopString(String start, String end) {
    /**
     * @throws NullPointerException if start or end is null
     * @throws IllegalArgumentException if start is empty
     */
    public StopString {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (start.isEmpty()) throw new IllegalArgumentException("a stop string needs a non-empty start");
    }

    /** Stops right after {@code text}. */
    public static StopString of(String text) {
        return new StopString(text, "");
    }

    /**
     * Stops at the end of the first line that starts with {@code prefix} (the newline kept), the
     * paper's rule with prefix "answer". The generated text must contain the newline before it.
     */
    public static StopString line(String prefix) {
        return new StopString("\n" + prefix, "\n");
    }
}
