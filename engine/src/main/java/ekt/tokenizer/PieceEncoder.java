package ekt.tokenizer;

import java.util.Arrays;

/**
 * The state of one encode call: its output and scratch buffers, reused for every piece of the call so
 * that only cache misses allocate per piece. Not shared between threads; the tables it reads are.
 */
final class PieceEncoder {
    private static final byte[] NO_BYTES = {};
    private static final int[] NO_INTS = {};
    private final int[] byteTokens;
    private final MergeTable merges;
    private final PieceCache cache;
    // allocated on the first cache miss: with a warm cache most calls need no scratch at all
    private MergeTable.Workspace workspace;
    private byte[] utf8 = NO_BYTES;
    private int[] pieceTokens = NO_INTS;
    private int[] out;
    private int size;

    PieceEncoder(int[] byteTokens, MergeTable merges, PieceCache cache, int expectedChars) {
        this.byteTokens = byteTokens;
        this.merges = merges;
        this.cache = cache;
        this.out = new int[Math.max(16, expectedChars / 3)];
    }

    void add(int token) {
        if (size == out.length) out = Arrays.copyOf(out, size * 2);
        out[size++] = token;
    }

    int[] result() {
        return Arrays.copyOf(out, size);
    }

    /** Encodes {@code text[start, end)}, split into pieces by the GPT-2 pattern unless {@code split} is off. */
    void encodeSegment(String text, int start, int end, boolean split) {
        if (merges.size() == 0) {
            appendBytes(text, start, end); // without merges every byte is its own token however text is split
            return;
        }
        if (!split) {
            if (start < end) encodePiece(text, start, end);
            return;
        }
        for (int at = start; at < end; ) {
            int pieceEnd = PreTokenizer.pieceEnd(text, at, end);
            encodePiece(text, at, pieceEnd);
            at = pieceEnd;
        }
    }

    private void encodePiece(String text, int start, int end) {
        char first = text.charAt(start);
        if (end - start == 1 && first < 0x80) {
            add(byteTokens[first]);
            return;
        }
        int hash = PieceCache.hash(text, start, end);
        int[] cached = cache.get(text, start, end, hash);
        if (cached != null) {
            for (int i = PieceCache.firstToken(cached); i < cached.length; i++) add(cached[i]);
            return;
        }
        int byteCount = toByteTokens(text, start, end); // may grow pieceTokens
        if (workspace == null) workspace = new MergeTable.Workspace();
        int count = merges.apply(pieceTokens, byteCount, workspace);
        cache.put(text, start, end, hash, pieceTokens, count);
        for (int i = 0; i < count; i++) add(pieceTokens[i]);
    }

    private void appendBytes(String text, int start, int end) {
        int count = toByteTokens(text, start, end);
        for (int i = 0; i < count; i++) add(pieceTokens[i]);
    }

    /** Fills {@code pieceTokens} with the byte tokens of the range's UTF-8; returns their count. */
    private int toByteTokens(String text, int start, int end) {
        int maxBytes = Utf8.maxEncodedLength(end - start);
        if (utf8.length < maxBytes) {
            utf8 = new byte[Math.max(64, maxBytes)];
            pieceTokens = new int[utf8.length];
        }
        int count = Utf8.encode(text, start, end, utf8);
        for (int i = 0; i < count; i++) pieceTokens[i] = byteTokens[utf8[i] & 0xFF];
        return count;
    }
}
