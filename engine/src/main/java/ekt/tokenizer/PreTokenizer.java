package ekt.tokenizer;

/**
 * GPT-2's pre-tokenizer, {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+},
 * as a hand-written scanner: it returns piece boundaries without creating objects, several times faster
 * than java.util.regex.
 *
 * <p>{@code \s} is Unicode White_Space, as in tiktoken (Rust regex) and Hugging Face (Oniguruma); letters
 * and numbers come from the JDK's Unicode tables, so characters assigned after the JDK's Unicode version
 * count as "other". A lone surrogate is "other", like the U+FFFD it encodes to.
 */
final class PreTokenizer {
    private static final byte LETTER = 0;
    private static final byte NUMBER = 1;
    private static final byte SPACE = 2;
    private static final byte OTHER = 3;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CLASS[c] = classOfCodePoint(c);
    }

    private PreTokenizer() {
    }

    /** The end (exclusive) of the piece that starts at {@code start}; {@code start < limit}. */
    static int pieceEnd(CharSequence text, int start, int limit) {
        char c = text.charAt(start);
        if (c == '\'') {
            int contraction = contractionLength(text, start, limit);
            if (contraction > 0) return start + contraction;
        }
        if (c == ' ' && start + 1 < limit) {
            byte next = classAt(text, start + 1, limit);
            if (next != SPACE) return runEnd(text, start + 1, limit, next);
        }
        byte first = classAt(text, start, limit);
        if (first != SPACE) return runEnd(text, start, limit, first);
        int end = runEnd(text, start, limit, SPACE);
        // \s+(?!\S): a run followed by a non-space leaves its last space to the next piece (" word");
        // a run of one then falls through to \s+ and stands alone.
        return end == limit || end - start == 1 ? end : end - 1;
    }

    /** Length of the contraction ('s 't 're 've 'm 'll 'd, lowercase only) at {@code start}, or 0. */
    private static int contractionLength(CharSequence text, int start, int limit) {
        if (start + 1 >= limit) return 0;
        char a = text.charAt(start + 1);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if (start + 2 >= limit) return 0;
        char b = text.charAt(start + 2);
        return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
    }

    private static int runEnd(CharSequence text, int from, int limit, byte cls) {
        int i = from;
        while (i < limit) {
            char c = text.charAt(i);
            if (c < 128) {
                if (ASCII_CLASS[c] != cls) break;
                i++;
            } else {
                int cp = codePointAt(text, i, limit);
                if (classOfCodePoint(cp) != cls) break;
                i += Character.charCount(cp);
            }
        }
        return i;
    }

    private static byte classAt(CharSequence text, int i, int limit) {
        char c = text.charAt(i);
        return c < 128 ? ASCII_CLASS[c] : classOfCodePoint(codePointAt(text, i, limit));
    }

    private static int codePointAt(CharSequence text, int i, int limit) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < limit) {
            char low = text.charAt(i + 1);
            if (Character.isLowSurrogate(low)) return Character.toCodePoint(c, low);
        }
        return c;
    }

    private static byte classOfCodePoint(int cp) {
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                // White_Space beyond the separator categories: TAB, LF, VT, FF, CR and NEL
                return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? SPACE : OTHER;
        }
    }
}
