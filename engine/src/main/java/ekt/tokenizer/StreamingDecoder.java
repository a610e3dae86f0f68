package ekt.tokenizer;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Decodes ids as they arrive. A character whose UTF-8 bytes are split across tokens (common for emoji
 * and CJK in GPT-2's vocabulary) is held back until complete, so the pieces returned, joined, equal
 * {@link Tokenizer#decode} of all the ids. Mutable and meant for one thread (one generation stream).
 */
public final class StreamingDecoder {
    private final IntFunction<byte[]> bytesOfToken;
    private byte[] pending = new byte[32];
    private int pendingLength;
    private final int[] written = new int[1];

    /** A decoder over each token id's bytes (as {@code TextCodec.tokenTable} lists them; an empty entry adds no text). */
    public static StreamingDecoder of(byte[][] tokenTable) {
        return new StreamingDecoder(id -> tokenTable[id]);
    }

    /** @param bytesOfToken the bytes a token id stands for; null for a token to leave out */
    StreamingDecoder(IntFunction<byte[]> bytesOfToken) {
        this.bytesOfToken = bytesOfToken;
    }

    /** Adds one token; returns the text it completes, possibly empty. */
    public String next(int id) {
        byte[] bytes = bytesOfToken.apply(id);
        if (bytes == null || bytes.length == 0) return "";
        if (pending.length < pendingLength + bytes.length) pending = Arrays.copyOf(pending, 2 * (pendingLength + bytes.length));
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        return drain(false);
    }

    /** Ends the stream: returns what is left, an incomplete character becoming U+FFFD. */
    public String finish() {
        return drain(true);
    }

    private String drain(boolean endOfInput) {
        char[] out = new char[pendingLength];
        int consumed = Utf8.decode(pending, 0, pendingLength, endOfInput, out, written);
        System.arraycopy(pending, consumed, pending, 0, pendingLength - consumed);
        pendingLength -= consumed;
        return new String(out, 0, written[0]);
    }
}
