package ekt.eval;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Python;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's intervals and paired tests: against an exact integer reference and by simulated coverage. */
class IntervalsTest {

    @Test
    void clopperPearsonAndMcNemarMatchTheExactReference() throws Exception {
        String[] cases = {"8/100", "0/100", "100/100", "6/100", "45/120", "1/5", "3/7"};
        String[] args = new String[cases.length + 7];
        System.arraycopy(cases, 0, args, 0, cases.length);
        System.arraycopy(new String[]{"mcnemar", "10", "2", "0", "0", "7", "3"}, 0, args, cases.length, 7);
        JsonNode ref = Json.MAPPER.readTree(Python.run("interval_reference.py", args));
        for (String c : cases) {
            String[] sn = c.split("/");
            Intervals.Interval got = Intervals.clopperPearson(Integer.parseInt(sn[0]), Integer.parseInt(sn[1]), 0.95);
            assertEquals(ref.get("cp").get(c).get(0).asDouble(), got.lo(), 1e-9, c + " lower");
            assertEquals(ref.get("cp").get(c).get(1).asDouble(), got.hi(), 1e-9, c + " upper");
        }
        assertEquals(ref.get("mcnemar").get("10,2").asDouble(), Intervals.mcNemarP(10, 2), 1e-12);
        assertEquals(ref.get("mcnemar").get("0,0").asDouble(), Intervals.mcNemarP(0, 0), 1e-12);
        assertEquals(ref.get("mcnemar").get("7,3").asDouble(), Intervals.mcNemarP(7, 3), 1e-12);
    }

    @Test
    void studentTQuantilesAreTheTabulatedOnes() {
        assertEquals(12.7062, Intervals.studentTQuantile(0.975, 1), 1e-4);
        assertEquals(4.3027, Intervals.studentTQuantile(0.975, 2), 1e-4);
        assertEquals(2.2281, Intervals.studentTQuantile(0.975, 10), 1e-4);
    }

    /** Greedy pass@1 of 100 problems at a known rate of 7%: the exact interval covers it at least 95% of the time. */
    @Test
    void clopperPearsonCoversAKnownRate() {
        Random rng = new Random(7);
        int trials = 4000, covered = 0;
        for (int t = 0; t < trials; t++) {
            int s = 0;
            for (int i = 0; i < 100; i++) if (rng.nextDouble() < 0.07) s++;
            if (Intervals.clopperPearson(s, 100, 0.95).contains(0.07)) covered++;
        }
        double coverage = covered / (double) trials;
        assertTrue(coverage >= 0.95 && coverage <= 0.99, "Clopper-Pearson is exact (conservative): coverage " + coverage);
    }

    /**
     * pass@1 of 200 problems drawn from a population whose solve rates are known (70% of problems at
     * 2%, 30% uniform in [10%, 45%]: mean 9.65%), 10 samples each: the bootstrap interval over
     * problems covers the population's pass@1 about 95% of the time.
     */
    @Test
    void bootstrapCoversTheKnownMeanOfPassAt1() {
        Random rng = new Random(11);
        double truth = 0.7 * 0.02 + 0.3 * (0.10 + 0.45) / 2;
        int trials = 400, covered = 0;
        for (int t = 0; t < trials; t++) {
            double[] perProblem = new double[200];
            for (int i = 0; i < perProblem.length; i++) {
                double rate = rng.nextDouble() < 0.7 ? 0.02 : 0.10 + 0.35 * rng.nextDouble();
                int c = 0;
                for (int j = 0; j < 10; j++) if (rng.nextDouble() < rate) c++;
                perProblem[i] = PassAtK.estimate(10, c, 1);
            }
            if (Intervals.bootstrapMean(perProblem, 0.95).contains(truth)) covered++;
        }
        double coverage = covered / (double) trials;
        assertTrue(coverage >= 0.91 && coverage <= 0.985, "bootstrap coverage " + coverage);
    }

    @Test
    void pairedTestsSeparateARealDifferenceFromNone() {
        Random rng = new Random(3);
        double[] a = new double[100], b = new double[100], same = new double[100];
        for (int i = 0; i < 100; i++) {
            a[i] = rng.nextDouble() < 0.5 ? 1 : 0;
            b[i] = a[i] == 1 && rng.nextDouble() < 0.5 ? 0 : a[i];  // b loses about a quarter of the problems
            same[i] = a[i];
        }
        assertTrue(Intervals.pairedBootstrapP(a, b) < 0.001, "a clear difference");
        assertEquals(1.0, Intervals.pairedBootstrapP(a, same), 0.0);
        double[] tInterval = {Intervals.tMean(new double[]{0.1, 0.2, 0.3}, 0.95).lo(), Intervals.tMean(new double[]{0.1, 0.2, 0.3}, 0.95).hi()};
        assertEquals(0.2 - 4.302653 * 0.1 / Math.sqrt(3), tInterval[0], 1e-5);
        assertEquals(0.2 + 4.302653 * 0.1 / Math.sqrt(3), tInterval[1], 1e-5);
    }
}
