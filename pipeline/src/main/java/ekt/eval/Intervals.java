package ekt.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * 95% intervals and paired tests for the report. Greedy pass@1 is a binomial proportion over
 * problems: exact Clopper-Pearson interval, exact McNemar test for a paired difference. Sampled
 * pass@k is a mean of per-problem estimates: percentile bootstrap over problems, paired bootstrap
 * for a difference. Across seeds: Student-t interval of the mean. Bootstraps are seeded, so a
 * report is reproducible.
 */
public final class Intervals {
    /** The confidence level of every interval in the report. */
    public static final double LEVEL = 0.95;
    static final int RESAMPLES = 4000;
    private static final long BOOTSTRAP_SEED = 20221130L;

    private Intervals() {
    }

    /**
     * A closed interval; NaN bounds when it is not defined (no data).
     *
     * @param lo lower bound
     * @param hi upper bound
     */
    public record Interval(double lo, double hi) {
        /** The undefined interval (NaN bounds). */
        public static final Interval NONE = new Interval(Double.NaN, Double.NaN);

        /** @return whether lo &lt;= v &lt;= hi (never for NONE) */
        public boolean contains(double v) {
            return v >= lo && v <= hi;
        }
    }

    /** Exact (Clopper-Pearson) interval of a binomial proportion with {@code successes} out of {@code n}. */
    public static Interval clopperPearson(int successes, int n, double level) {
        if (n <= 0) return Interval.NONE;
        if (successes < 0 || successes > n) throw new IllegalArgumentException("need 0 <= successes <= n, got " + successes + " of " + n);
        double alpha = 1 - level;
        // lo: P(X >= s | lo) = alpha/2; hi: P(X <= s | hi) = alpha/2. Both are monotone in p.
        double lo = successes == 0 ? 0 : solve(p -> 1 - binomialCdf(successes - 1, n, p) - alpha / 2);
        double hi = successes == n ? 1 : solve(p -> alpha / 2 - binomialCdf(successes, n, p));
        return new Interval(lo, hi);
    }

    /** Percentile bootstrap interval of the mean of {@code values} (one per problem). */
    public static Interval bootstrapMean(double[] values, double level) {
        if (values.length == 0) return Interval.NONE;
        double[] means = new double[RESAMPLES];
        SplittableRandom rng = new SplittableRandom(BOOTSTRAP_SEED);
        for (int r = 0; r < RESAMPLES; r++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) sum += values[rng.nextInt(values.length)];
            means[r] = sum / values.length;
        }
        Arrays.sort(means);
        double alpha = 1 - level;
        return new Interval(means[(int) Math.floor(alpha / 2 * (RESAMPLES - 1))], means[(int) Math.ceil((1 - alpha / 2) * (RESAMPLES - 1))]);
    }

    /**
     * Two-sided p-value of the paired bootstrap test of mean(a - b) = 0 over problems: the
     * differences are centred on zero (the null) and resampled; p is the share of resampled means
     * at least as far from zero as the observed one.
     */
    public static double pairedBootstrapP(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired samples differ in length: " + a.length + " vs " + b.length);
        if (a.length == 0) return Double.NaN;
        double[] d = new double[a.length];
        double mean = 0;
        for (int i = 0; i < d.length; i++) mean += (d[i] = a[i] - b[i]) / d.length;
        if (Arrays.stream(d).allMatch(v -> v == 0)) return 1.0;
        SplittableRandom rng = new SplittableRandom(BOOTSTRAP_SEED);
        int extreme = 0;
        for (int r = 0; r < RESAMPLES; r++) {
            double sum = 0;
            for (int i = 0; i < d.length; i++) sum += d[rng.nextInt(d.length)] - mean;
            if (Math.abs(sum / d.length) >= Math.abs(mean) - 1e-12) extreme++;
        }
        return (extreme + 1.0) / (RESAMPLES + 1.0);
    }

    /**
     * Exact two-sided McNemar test of paired binary outcomes: of the discordant problems, {@code b}
     * were solved only by the first method and {@code c} only by the second; under the null each is
     * Binomial(b + c, 1/2).
     */
    public static double mcNemarP(int b, int c) {
        int n = b + c;
        if (n == 0) return 1.0;
        return Math.min(1.0, 2 * binomialCdf(Math.min(b, c), n, 0.5));
    }

    /** Student-t interval of the mean of a few values (e.g. one per seed); NONE with fewer than 2. */
    public static Interval tMean(double[] values, double level) {
        int n = values.length;
        if (n < 2) return Interval.NONE;
        double mean = Arrays.stream(values).average().orElse(Double.NaN);
        double var = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
        double half = studentTQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(var / n);
        return new Interval(mean - half, mean + half);
    }

    /** P(X <= k) for X ~ Binomial(n, p), as the regularized incomplete beta I_{1-p}(n - k, k + 1). */
    static double binomialCdf(int k, int n, double p) {
        if (k < 0) return 0;
        if (k >= n) return 1;
        return regularizedBeta(1 - p, n - k, k + 1);
    }

    /** Quantile of Student's t with {@code df} degrees of freedom, for q in (0.5, 1). */
    static double studentTQuantile(double q, int df) {
        // P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0
        return solveOn(0, 1e4, t -> 1 - regularizedBeta(df / (df + t * t), df / 2.0, 0.5) / 2 - q);
    }

    private static double solve(java.util.function.DoubleUnaryOperator f) {
        return solveOn(0, 1, f);
    }

    /** Root of an increasing or decreasing f on [lo, hi] by bisection (f changes sign there). */
    private static double solveOn(double lo, double hi, java.util.function.DoubleUnaryOperator f) {
        double flo = f.applyAsDouble(lo);
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2, fm = f.applyAsDouble(mid);
            if ((fm > 0) == (flo > 0)) {
                lo = mid;
                flo = fm;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** I_x(a, b) by the continued fraction of Numerical Recipes (betacf), with the symmetry switch for convergence. */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
        if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaContinuedFraction(x, a, b) / a;
        return 1 - Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a) / b;
    }

    private static double betaContinuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
        if (Math.abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 1000; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) break;
        }
        return h;
    }

    /** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
    static double logGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
                12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        x -= 1;
        double a = g[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += g[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
