package ekt.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A method's evaluation over a problem set: greedy pass@1 and the unbiased sampled pass@k for the
 * requested k that do not exceed the sample count (larger k are reported as not available).
 *
 * @param method   the method's row label
 * @param problems one score per problem, in report order
 */
public record Scores(String method, List<ProblemScore> problems) {
    /** Copies the problem list. */
    public Scores {
        problems = List.copyOf(problems);
    }

    /** Fraction of problems whose greedy program is correct; NaN if greedy was not run. */
    public double greedyPass1() {
        long run = problems.stream().filter(p -> p.greedyCorrect() != null).count();
        if (run == 0) return Double.NaN;
        return problems.stream().filter(p -> Boolean.TRUE.equals(p.greedyCorrect())).count() / (double) run;
    }

    /** Mean pass@k over problems, NaN if some problem has fewer than k samples or none were drawn. */
    public double passAt(int k) {
        if (problems.isEmpty() || problems.stream().anyMatch(p -> p.n() < k)) return Double.NaN;
        return problems.stream().mapToDouble(p -> p.passAt(k)).average().orElse(Double.NaN);
    }

    /** Exact 95% interval of greedy pass@1 (a binomial proportion over problems). */
    public Intervals.Interval greedyInterval() {
        int run = (int) problems.stream().filter(p -> p.greedyCorrect() != null).count();
        int solved = (int) problems.stream().filter(p -> Boolean.TRUE.equals(p.greedyCorrect())).count();
        return Intervals.clopperPearson(solved, run, Intervals.LEVEL);
    }

    /** 95% bootstrap interval (over problems) of pass@k; NONE where pass@k is not available. */
    public Intervals.Interval passAtInterval(int k) {
        return Double.isNaN(passAt(k)) ? Intervals.Interval.NONE : Intervals.bootstrapMean(perProblem(k), Intervals.LEVEL);
    }

    /** pass@k of each problem, in problem order. */
    public double[] perProblem(int k) {
        return problems.stream().mapToDouble(p -> p.passAt(k)).toArray();
    }

    /** @return {@link #passAt(int)} for each k, in the given order */
    public Map<Integer, Double> passAt(int... ks) {
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int k : ks) out.put(k, passAt(k));
        return out;
    }

    /** Problems with at least one correct sample (or a correct greedy program). */
    public Set<String> solved() {
        Set<String> s = new TreeSet<>();
        for (ProblemScore p : problems) if (p.c() > 0 || Boolean.TRUE.equals(p.greedyCorrect())) s.add(p.id());
        return s;
    }

    /** Per-problem CSV: id, n, c, greedy, pass@k for each k. */
    public void writeCsv(Path file, int... ks) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write("id,n,c,greedy_correct");
                for (int k : ks) w.write(",pass@" + k);
                w.write('\n');
                for (ProblemScore p : problems) {
                    w.write(csv(p.id()) + "," + p.n() + "," + p.c() + "," + (p.greedyCorrect() == null ? "" : p.greedyCorrect()));
                    for (int k : ks) w.write("," + (p.n() >= k ? String.format("%.6f", p.passAt(k)) : ""));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads back what {@link #writeCsv} wrote (id, n, c and the greedy result per problem). */
    public static Scores readCsv(Path file, String method) {
        try {
            List<ProblemScore> out = new java.util.ArrayList<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(1, lines.size())) {
                int end = line.startsWith("\"") ? line.indexOf("\",", 1) + 1 : line.indexOf(',');
                String id = line.startsWith("\"") ? line.substring(1, end - 1).replace("\"\"", "\"") : line.substring(0, end);
                String[] f = line.substring(end + 1).split(",", -1);
                out.add(new ProblemScore(id, Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2].isEmpty() ? null : Boolean.parseBoolean(f[2])));
            }
            return new Scores(method, out);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read scores " + file + ": " + e.getMessage(), e);
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
