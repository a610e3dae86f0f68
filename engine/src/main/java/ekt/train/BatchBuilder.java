package ekt.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Lays examples out as core batches for one loss mask. A sequence is prompt + completion,
 * cut to {@code maxLength}, followed by end-of-text padding up to {@code maxLength}; position t
 * predicts token t + 1.
 *
 * <p>Padding is never materialised. In the core every padding query sits at the position of
 * the first padding token and attends to exactly the real tokens, so all padding queries of a
 * row produce the same prediction (end-of-text) with the same loss. A row therefore carries
 * its real tokens plus one padding query whose loss weight is the number of padding
 * predictions it stands for (only {@link TrainConfig.Mask#ALL} counts them). The loss equals the
 * loss over the fully padded batch while the compute follows the real lengths.
 */
public final class BatchBuilder {
    private final TrainConfig.Mask mask;
    private final int maxLength, padId;
    private final List<TrainingExample> examples = new ArrayList<>();
    private final int[] promptLengths;
    private int truncated;

    /**
     * @param maxLength tokens per padded sequence; must fit the model's context
     * @param vocab     the model's vocabulary size (every token and padId must be below it)
     */
    public BatchBuilder(List<TrainingExample> source, TrainConfig.Mask mask, int maxLength, TrainConfig.Overflow overflow,
                        int padId, int vocab) {
        if (source.isEmpty()) throw new IllegalArgumentException("no training examples");
        if (maxLength < 2) throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        if (padId < 0 || padId >= vocab) throw new IllegalArgumentException("padding token " + padId + " is outside the vocabulary [0, " + vocab + ")");
        this.mask = mask;
        this.maxLength = maxLength;
        this.padId = padId;
        this.promptLengths = new int[source.size()];
        for (TrainingExample e : source) {
            if (e.length() == 0) throw new IllegalArgumentException("example '" + e.id() + "' has no tokens");
            for (int[] part : new int[][]{e.prompt(), e.completion()})
                for (int t : part)
                    if (t < 0 || t >= vocab)
                        throw new IllegalArgumentException("example '" + e.id() + "': token " + t + " is outside the vocabulary [0, " + vocab + ")");
            if (e.length() > maxLength) {
                if (overflow == TrainConfig.Overflow.REFUSE)
                    throw new IllegalArgumentException("example '" + e.id() + "' has " + e.length() + " tokens, more than the max length "
                            + maxLength + " (allow truncation or raise the max length)");
                truncated++;
            }
            promptLengths[examples.size()] = Math.min(e.prompt().length, maxLength);
            examples.add(e);
        }
    }

    /** @return the number of examples */
    public int size() {
        return examples.size();
    }

    /** Examples longer than maxLength that were cut to it. */
    public int truncated() {
        return truncated;
    }

    /** @return tokens per padded sequence (the run's max length, resolved against the model context) */
    public int maxLength() {
        return maxLength;
    }

    /** Real tokens of example i after truncation. */
    public int tokens(int i) {
        return Math.min(examples.get(i).length(), maxLength);
    }

    /** Positions example i occupies in a batch: its tokens plus the padding query, if any. */
    public int width(int i) {
        int n = tokens(i);
        return n < maxLength ? n + 1 : n;
    }

    /** The batch of these examples, longest first (so micro-batches group similar lengths). */
    public TrainBatch batch(int[] indices) {
        if (indices.length == 0) throw new IllegalArgumentException("empty batch");
        Integer[] order = Arrays.stream(indices).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -width(i)).thenComparingInt(i -> i));
        int rows = order.length, seq = width(order[0]);
        long[] ids = new long[rows * seq], targets = new long[rows * seq];
        byte[] valid = new byte[rows * seq];
        float[] weights = new float[rows * seq];
        Arrays.fill(ids, padId);
        Arrays.fill(targets, padId);
        for (int r = 0; r < rows; r++) fillRow(order[r], r * seq, ids, targets, valid, weights);
        return new TrainBatch(ids, targets, valid, weights, rows, seq);
    }

    private void fillRow(int index, int at, long[] ids, long[] targets, byte[] valid, float[] weights) {
        TrainingExample e = examples.get(index);
        int n = tokens(index), p = promptLengths[index];
        boolean padded = n < maxLength;
        for (int t = 0; t < n; t++) {
            ids[at + t] = t < e.prompt().length ? e.prompt()[t] : e.completion()[t - e.prompt().length];
            valid[at + t] = 1;
        }
        for (int t = 0; t + 1 < n; t++) targets[at + t] = ids[at + t + 1];
        // Position t predicts token j = t + 1 of the padded sequence: j < n is text, j == n the
        // end-of-text token that follows it (only if the text was not cut), j > n padding.
        for (int t = 0; t < n; t++) {
            int j = t + 1;
            boolean inText = j < n || (j == n && padded);
            if (inText && (mask != TrainConfig.Mask.COMPLETION_ONLY || j >= p)) weights[at + t] = 1;
        }
        if (padded && mask == TrainConfig.Mask.ALL) weights[at + n] = maxLength - 1 - n;  // the padding query
    }

    /** A hash of the laid-out data, to tell whether a resumed run sees the same examples. */
    public long fingerprint() {
        long h = 0xcbf29ce484222325L;
        h = mix(h, maxLength);
        h = mix(h, padId);
        h = mix(h, mask.ordinal());
        for (int i = 0; i < examples.size(); i++) {
            TrainingExample e = examples.get(i);
            h = mix(h, e.id().hashCode());
            h = mix(h, promptLengths[i]);
            for (int t : e.prompt()) h = mix(h, t);
            for (int t : e.completion()) h = mix(h, t);
            h = mix(h, -1);
        }
        return h;
    }

    private static long mix(long h, int v) {
        return (h ^ (v & 0xffffffffL)) * 0x100000001b3L;
    }
}
