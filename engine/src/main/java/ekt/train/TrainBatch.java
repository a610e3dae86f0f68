package ekt.train;

/**
 * One effective batch in the layout the core takes (rows x seq, row-major): position t of a
 * row reads ids[t] and predicts targets[t] with loss weight weights[t]; valid marks real
 * tokens (the attention mask). Arrays are shared, not copied.
 *
 * @param ids     token ids fed to the model
 * @param targets the token each position predicts (usually ids shifted left by one)
 * @param valid   1 for real tokens, 0 for padding
 * @param weights loss weight of each prediction (0 = not in the loss)
 * @param rows    sequences in the batch
 * @param seq     positions per sequence
 */
public record TrainBatch(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
    /** @throws IllegalArgumentException if rows or seq is not positive or an array does not hold rows * seq entries */
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
