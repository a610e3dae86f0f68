package ekt.eval;

/**
 * One problem's evaluation: n sampled programs of which c were correct, and whether the greedy
 * program was correct (null when no greedy decode was run).
 *
 * @param id            the problem's id
 * @param n             sampled programs
 * @param c             correct ones among them
 * @param greedyCorrect whether the greedy program was correct; null without a greedy decode
 */
public record ProblemScore(String id, int n, int c, Boolean greedyCorrect) {
    /** @return this problem's unbiased pass@k estimate ({@link PassAtK#estimate}); 1 when n - c &lt; k */
    public double passAt(int k) {
        return PassAtK.estimate(n, c, k);
    }
}
