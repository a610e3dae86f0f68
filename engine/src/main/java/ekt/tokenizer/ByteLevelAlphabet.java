package ekt.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-unicode table: every byte gets a printable character so that vocabularies can be
 * stored as text. Printable Latin-1 bytes map to themselves; the rest (controls, space, ...) map to
 * U+0100 onwards in byte order, which is why a leading space shows as 'Ġ' (U+0120) in vocab files.
 */
final class ByteLevelAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[512];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The vocabulary character standing for byte {@code b} (0-255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** The vocabulary spelling of raw bytes, e.g. {@code " the"} as "Ġthe". */
    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        return new String(chars);
    }

    /**
     * The bytes a vocabulary entry stands for. As Hugging Face's ByteLevel decoder does, an entry with a
     * character outside the alphabet (an added token such as a run of real spaces) stands for its own UTF-8.
     */
    static byte[] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) return token.getBytes(StandardCharsets.UTF_8);
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
