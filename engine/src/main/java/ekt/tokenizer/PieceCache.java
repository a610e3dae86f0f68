package ekt.tokenizer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Remembers the tokens of recent pieces: natural text repeats its words, and a hit skips UTF-8
 * encoding and the merge loop. Bounded: a fixed number of slots, short pieces only. Two-way set
 * associative, the newer entry of a pair first, so that two frequent pieces whose hashes collide do not
 * evict each other on every use (a quarter of GSM8k's pieces would, direct-mapped).
 *
 * <p>An entry is one int array, {@code [hash, length, chars..., tokens...]}, so a lookup touches two
 * objects. Entries never change once stored and are published with release/acquire ordering, which
 * makes the cache thread-safe without locks: a racing reader sees an older or a newer complete entry,
 * and a lost write only costs a miss.
 */
final class PieceCache {
    /** Longer pieces are rare, expensive to compare and would let the cache grow without a bound. */
    static final int MAX_PIECE_CHARS = 48;
    private static final int SLOT_BITS = 16;
    private static final int HEADER = 2;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[][].class);

    private final int[][] slots = new int[1 << SLOT_BITS][];

    /**
     * The entry of {@code text[start, end)} or null; its tokens are at {@link #firstToken} to the end.
     * {@code hash} is {@link #hash} of the range.
     */
    int[] get(String text, int start, int end, int hash) {
        int slot = slotOf(hash);
        int[] newer = (int[]) SLOT.getAcquire(slots, slot);
        if (holds(newer, text, start, end, hash)) return newer;
        int[] older = (int[]) SLOT.getAcquire(slots, slot + 1);
        return holds(older, text, start, end, hash) ? older : null;
    }

    private static boolean holds(int[] entry, String text, int start, int end, int hash) {
        int length = end - start;
        if (entry == null || entry[0] != hash || entry[1] != length) return false;
        for (int i = 0; i < length; i++) {
            if (entry[HEADER + i] != text.charAt(start + i)) return false;
        }
        return true;
    }

    static int firstToken(int[] entry) {
        return HEADER + entry[1];
    }

    /** Stores the first {@code count} of {@code tokens} as the tokens of {@code text[start, end)}. */
    void put(String text, int start, int end, int hash, int[] tokens, int count) {
        int length = end - start;
        if (length > MAX_PIECE_CHARS) return;
        int[] entry = new int[HEADER + length + count];
        entry[0] = hash;
        entry[1] = length;
        for (int i = 0; i < length; i++) entry[HEADER + i] = text.charAt(start + i);
        System.arraycopy(tokens, 0, entry, HEADER + length, count);
        int slot = slotOf(hash);
        SLOT.setRelease(slots, slot + 1, SLOT.getAcquire(slots, slot)); // the newer entry becomes the older
        SLOT.setRelease(slots, slot, entry);
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + text.charAt(i);
        return h;
    }

    /** The first slot of the pair for {@code hash}. */
    private static int slotOf(int hash) {
        return ((hash * 0x9E3779B9) >>> (32 - SLOT_BITS)) & ~1; // Fibonacci hashing spreads the polynomial hash
    }
}
