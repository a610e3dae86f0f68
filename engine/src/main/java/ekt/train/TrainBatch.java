package ekt.train;

/**
 * One effective batch in the layout the core takes (rows x seq, row-major): position t of a
 * row reads ids[t] and predicts targets[t] with loss weight weights[t]; valid marks real
 * tokens (the attention mask). Arrays are shared, not copied.
 */
public record TrainBatch(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
    public TrainBatch {
        long n = (long) rows * seq;
        if (rows <= 0 || seq <= 0 || ids.length != n || targets.length != n || valid.length != n || weights.length != n)
            throw new IllegalArgumentException("batch arrays must each hold rows*seq = " + rows + "*" + seq + " entries");
    }

    /** Sum of the loss weights: how many predicted tokens the loss averages over. */
    public double lossTokens() {
        double s = 0;
        for (float w : weights) s += w;
        return s;
    }
}
