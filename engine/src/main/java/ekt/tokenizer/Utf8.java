package ekt.tokenizer;

/**
 * UTF-8 conversions with the replacement rules the reference tokenizers use, which the JDK's codecs
 * do not: a lone surrogate encodes as U+FFFD (as JavaScript's TextEncoder does; the JDK writes '?'),
 * and invalid input decodes with one U+FFFD per maximal invalid subpart (WHATWG, Rust's
 * from_utf8_lossy; the JDK emits one U+FFFD for an encoded surrogate where those emit three).
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** The most bytes {@link #encode} writes for {@code chars} UTF-16 units. */
    static int maxEncodedLength(int chars) {
        return chars * 3;
    }

    /** Encodes {@code text[start, end)} into {@code out} from index 0; returns the byte count. */
    static int encode(CharSequence text, int start, int end, byte[] out) {
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | c >> 6);
                out[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[n++] = (byte) (0xF0 | cp >> 18);
                out[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            } else {
                char unit = Character.isSurrogate(c) ? REPLACEMENT : c;
                out[n++] = (byte) (0xE0 | unit >> 12);
                out[n++] = (byte) (0x80 | unit >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | unit & 0x3F);
            }
        }
        return n;
    }

    /** Decodes complete input, replacing invalid and truncated sequences. */
    static String decode(byte[] bytes, int length) {
        char[] out = new char[length];
        int[] written = new int[1];
        decode(bytes, 0, length, true, out, written);
        return new String(out, 0, written[0]);
    }

    /**
     * WHATWG UTF-8 decode of {@code bytes[from, to)} into {@code out} (room for {@code to - from} chars).
     * Without {@code endOfInput}, a truncated but so far valid sequence at the end is left undecoded, so
     * that a stream can be decoded piecewise with the same result as at once.
     *
     * @param written receives the number of chars written at index 0
     * @return the index of the first byte not consumed
     */
    static int decode(byte[] bytes, int from, int to, boolean endOfInput, char[] out, int[] written) {
        int n = 0;
        int i = from;
        while (i < to) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out[n++] = (char) b;
                i++;
                continue;
            }
            int needed;
            int cp;
            int lower = 0x80;
            int upper = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                needed = 1;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                needed = 2;
                cp = b & 0x0F;
                if (b == 0xE0) lower = 0xA0;
                if (b == 0xED) upper = 0x9F; // no encoded surrogates
            } else if (b >= 0xF0 && b <= 0xF4) {
                needed = 3;
                cp = b & 0x07;
                if (b == 0xF0) lower = 0x90;
                if (b == 0xF4) upper = 0x8F; // nothing above U+10FFFF
            } else {
                out[n++] = REPLACEMENT;
                i++;
                continue;
            }
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < needed; k++, j++) {
                if (j == to) {
                    if (!endOfInput) {
                        written[0] = n;
                        return i;
                    }
                    complete = false;
                    break;
                }
                int c = bytes[j] & 0xFF;
                if (c < lower || c > upper) {
                    complete = false; // the offending byte starts over as a sequence of its own
                    break;
                }
                cp = cp << 6 | c & 0x3F;
                lower = 0x80;
                upper = 0xBF;
            }
            if (complete) {
                n += Character.toChars(cp, out, n);
            } else {
                out[n++] = REPLACEMENT;
            }
            i = j;
        }
        written[0] = n;
        return to;
    }
}
