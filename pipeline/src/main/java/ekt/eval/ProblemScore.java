package ekt.eval;

/**
 * One problem's evaluation: n sampled programs of which c were correct, and whether the greedy
 * program was correct (null when no greedy decode was run).
 */
public record ProblemScore(String id, int n, int c, Boolean greedyCorrect) {
    public double passAt(int k) {
        return PassAtK.estimate(n, c, k);
    }
}
