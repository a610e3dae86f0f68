package ekt.tokenizer;

/**
 * Remembers the tokens of recent pieces: natural text repeats its words, and a hit skips UTF-8
 * encoding and the merge loop. Direct-mapped and bounded (a fixed number of slots, short pieces only).
 *
 * <p>Thread-safe without locks: entries are immutable and published through final fields, so a racing
 * reader sees either an older complete entry or the newer one, and a lost write only costs a miss.
 */
final class PieceCache {
    /** Longer pieces are rare, expensive to compare and would let the cache grow without a bound. */
    static final int MAX_PIECE_CHARS = 48;
    private static final int SLOT_BITS = 15;

    private final Entry[] slots = new Entry[1 << SLOT_BITS];

    /** The tokens of {@code text[start, end)}, or null; {@code hash} is {@link #hash} of that range. */
    int[] get(String text, int start, int end, int hash) {
        Entry e = slots[slotOf(hash)];
        int length = end - start;
        if (e != null && e.hash == hash && e.piece.length() == length && text.regionMatches(start, e.piece, 0, length)) {
            return e.tokens;
        }
        return null;
    }

    /** Stores the tokens of a piece (the array must not change afterwards). */
    void put(String text, int start, int end, int hash, int[] tokens) {
        if (end - start <= MAX_PIECE_CHARS) slots[slotOf(hash)] = new Entry(text.substring(start, end), hash, tokens);
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + text.charAt(i);
        return h;
    }

    private static int slotOf(int hash) {
        return (hash * 0x9E3779B9) >>> (32 - SLOT_BITS); // Fibonacci hashing spreads the polynomial hash
    }

    private static final class Entry {
        final String piece;
        final int hash;
        final int[] tokens;

        Entry(String piece, int hash, int[] tokens) {
            this.piece = piece;
            this.hash = hash;
            this.tokens = tokens;
        }
    }
}
