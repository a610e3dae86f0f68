package ekt.tokenizer;

import java.util.List;

/**
 * Tokens matched verbatim in text before pre-tokenization, as Hugging Face's added vocabulary is.
 * Special ones ({@code <|endoftext|>}) match only when the caller allows them; others always do.
 * Among overlapping candidates the leftmost wins, then the longest.
 */
final class AddedTokens {
    /** One entry of tokenizer.json's {@code added_tokens}. */
    record Token(int id, String content, boolean special) {
    }

    private final List<Token> tokens;
    private final boolean anyNonSpecial;

    AddedTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
        this.anyNonSpecial = tokens.stream().anyMatch(t -> !t.special());
    }

    List<Token> all() {
        return tokens;
    }

    /** Whether encoding must look for added tokens at all. */
    boolean matchesAny(boolean specialsAllowed) {
        return anyNonSpecial || (specialsAllowed && !tokens.isEmpty());
    }

    /** A scan over one text; remembers where each token occurs next so each is searched once per hit. */
    Scan scan(String text, boolean specialsAllowed) {
        return new Scan(text, specialsAllowed);
    }

    final class Scan {
        private final String text;
        private final boolean specialsAllowed;
        private final int[] nextStart;
        private int matchStart;
        private Token match;

        private Scan(String text, boolean specialsAllowed) {
            this.text = text;
            this.specialsAllowed = specialsAllowed;
            this.nextStart = new int[tokens.size()];
            java.util.Arrays.fill(nextStart, -2); // not searched yet
        }

        /** Finds the first match at or after {@code from}; then {@link #start} and {@link #token} describe it. */
        boolean find(int from) {
            match = null;
            for (int i = 0; i < nextStart.length; i++) {
                Token t = tokens.get(i);
                if (t.special() && !specialsAllowed || nextStart[i] == -1) continue;
                if (nextStart[i] < from) nextStart[i] = text.indexOf(t.content(), from);
                int at = nextStart[i];
                if (at < 0) continue;
                if (match == null || at < matchStart || at == matchStart && t.content().length() > match.content().length()) {
                    match = t;
                    matchStart = at;
                }
            }
            return match != null;
        }

        int start() {
            return matchStart;
        }

        Token token() {
            return match;
        }
    }
}
