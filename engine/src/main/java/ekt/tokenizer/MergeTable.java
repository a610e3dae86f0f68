package ekt.tokenizer;

import java.util.Arrays;

/**
 * BPE merge ranks as a primitive hash table, and the merge loop: repeatedly merge the adjacent pair of
 * lowest rank, the leftmost one on ties, as Hugging Face's BPE model does. The loop keeps a heap of
 * candidate pairs, so a long piece (a run of spaces, a base64 blob) costs O(n log n), not O(n²).
 */
final class MergeTable {
    private static final long EMPTY = -1;

    private final int[] lefts;
    private final int[] rights;
    private final int[] results;
    private final long[] slotKeys;
    private final int[] slotRanks;
    private final int mask;

    /** Merge {@code r} joins tokens {@code lefts[r]} and {@code rights[r]} into {@code results[r]}. */
    MergeTable(int[] lefts, int[] rights, int[] results) {
        this.lefts = lefts.clone();
        this.rights = rights.clone();
        this.results = results.clone();
        int capacity = Integer.highestOneBit(Math.max(4, lefts.length * 2 + 1)) << 1;
        slotKeys = new long[capacity];
        slotRanks = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(slotKeys, EMPTY);
        for (int rank = 0; rank < lefts.length; rank++) {
            long key = key(lefts[rank], rights[rank]);
            int slot = slotOf(key);
            if (slotKeys[slot] != EMPTY) throw new IllegalArgumentException("duplicate merge at rank " + rank);
            slotKeys[slot] = key;
            slotRanks[slot] = rank;
        }
    }

    int size() {
        return lefts.length;
    }

    int left(int rank) {
        return lefts[rank];
    }

    int right(int rank) {
        return rights[rank];
    }

    /** The rank of merging {@code left} with {@code right}, or -1 when the pair never merges. */
    int rank(int left, int right) {
        long key = key(left, right);
        int slot = slotOf(key);
        return slotKeys[slot] == key ? slotRanks[slot] : -1;
    }

    /** Merges {@code tokens[0, count)} in place; returns how many tokens remain. */
    int apply(int[] tokens, int count, Workspace ws) {
        ws.reserve(count);
        int[] next = ws.next;
        int[] prev = ws.prev;
        ws.heapSize = 0;
        for (int i = 0; i < count; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
            if (i + 1 < count) offer(ws, tokens, i, i + 1);
        }
        while (ws.heapSize > 0) {
            long top = ws.poll();
            int rank = (int) (top >>> 32);
            int at = (int) top;
            int right = next[at];
            // entries go stale when a neighbour merged first; a live entry still names its pair's rank
            if (tokens[at] < 0 || right >= count || rank(tokens[at], tokens[right]) != rank) continue;
            tokens[at] = results[rank];
            tokens[right] = -1;
            next[at] = next[right];
            if (next[at] < count) prev[next[at]] = at;
            if (prev[at] >= 0) offer(ws, tokens, prev[at], at);
            if (next[at] < count) offer(ws, tokens, at, next[at]);
        }
        int kept = 0;
        for (int i = 0; i < count; i = next[i]) tokens[kept++] = tokens[i];
        return kept;
    }

    private void offer(Workspace ws, int[] tokens, int at, int right) {
        int rank = rank(tokens[at], tokens[right]);
        if (rank >= 0) ws.push((long) rank << 32 | at);
    }

    private int slotOf(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int slot = (int) (h >>> 40) & mask;
        while (slotKeys[slot] != EMPTY && slotKeys[slot] != key) slot = (slot + 1) & mask;
        return slot;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    /** Scratch arrays for {@link #apply}, reused across the pieces of one encode call. */
    static final class Workspace {
        private int[] next = new int[0];
        private int[] prev = new int[0];
        private long[] heap = new long[0];
        private int heapSize;

        /** Sized for the longest piece so far; most are short, and one encode call makes one workspace. */
        private void reserve(int count) {
            if (next.length < count) {
                next = new int[count + 8];
                prev = new int[count + 8];
            }
            if (heap.length < count) heap = new long[count + 8];
        }

        private void push(long entry) {
            if (heapSize == heap.length) heap = Arrays.copyOf(heap, heapSize * 2 + 8);
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= entry) break;
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = entry;
        }

        private long poll() {
            long top = heap[0];
            long last = heap[--heapSize];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= heapSize) break;
                if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
                if (heap[child] >= last) break;
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
