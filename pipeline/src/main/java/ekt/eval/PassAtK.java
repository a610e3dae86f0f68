package ekt.eval;

/**
 * The unbiased pass@k estimator of Chen et al. (2021), exactly as the paper's
 * {@code eval_utils.pass_k}: with n samples of which c are correct, 1 if {@code n - c < k}, else
 * {@code 1 - prod(1 - k / i for i in n-c+1..n)} = 1 - C(n-c, k) / C(n, k).
 * Like the original, it returns 1 whenever {@code n - c < k}, which includes {@code n < k} with no
 * correct sample: callers only report {@code k <= n} (the evaluator marks larger k as not available).
 */
public final class PassAtK {
    private PassAtK() {
    }

    /**
     * @param n samples drawn
     * @param c correct samples among them
     * @param k the k of pass@k
     * @return the probability that at least one of k samples drawn without replacement is correct
     * @throws IllegalArgumentException unless 0 &lt;= c &lt;= n and k &gt; 0
     */
    public static double estimate(int n, int c, int k) {
        if (n < 0 || c < 0 || c > n || k <= 0) throw new IllegalArgumentException("need 0 <= c <= n and k > 0, got n=" + n + " c=" + c + " k=" + k);
        if (n - c < k) return 1.0;
        double prod = 1.0;
        for (int i = n - c + 1; i <= n; i++) prod *= 1.0 - (double) k / i;
        return 1.0 - prod;
    }

    /** Mean over problems of the per-problem estimate; {@code n[i]} samples, {@code c[i]} correct. */
    public static double mean(int[] n, int[] c, int k) {
        if (n.length != c.length) throw new IllegalArgumentException("n and c differ in length");
        if (n.length == 0) return 0.0;
        double sum = 0;
        for (int i = 0; i < n.length; i++) sum += estimate(n[i], c[i], k);
        return sum / n.length;
    }
}
