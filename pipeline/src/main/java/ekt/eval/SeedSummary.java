package ekt.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The report of one experiment run under several seeds ({@code ekt run --seeds 1,2,3}): for every
 * method and metric the mean across seeds with a 95% Student-t interval, then each seed's value.
 * Each seed's own report (with per-problem intervals and paired tests) is in its directory.
 */
public final class SeedSummary {
    private SeedSummary() {
    }

    /** @param bySeed the evaluated methods of each seed's run, in the same method order */
    public static String write(Path dir, String title, Map<Long, List<MethodResult>> bySeed, int[] ks) {
        ReportDocument doc = new ReportDocument(title + " (" + bySeed.size() + " seeds)");
        doc.paragraph("Mean across the seeds " + bySeed.keySet() + " with its 95% Student-t interval (n/a below 2 seeds). Every seed "
                + "reruns the teacher's sampling, the students' training and the evaluation; each seed's own report is in seed-N/report.md.");
        List<String> methods = bySeed.values().iterator().next().stream().map(MethodResult::method).toList();
        List<String> header = new ArrayList<>(List.of("method", "greedy pass@1"));
        for (int k : ks) header.add("pass@" + k);
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> perSeed = new ArrayList<>();
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (String m : methods) {
            List<String> row = new ArrayList<>(List.of(m, cell(values(bySeed, m, s -> s.greedyPass1()))));
            List<double[]> curve = new ArrayList<>();
            for (int k : ks) {
                double[] v = values(bySeed, m, s -> s.passAt(k));
                row.add(cell(v));
                if (v.length > 0) curve.add(new double[]{k, 100 * mean(v)});
            }
            rows.add(row);
            if (!curve.isEmpty()) curves.put(m, curve);
            List<String> seedRow = new ArrayList<>(List.of(m));
            bySeed.forEach((seed, results) -> seedRow.add(results.stream().filter(r -> r.method().equals(m)).findFirst()
                    .map(r -> Report.pct(r.scores().greedyPass1())).orElse("–")));
            perSeed.add(seedRow);
        }
        doc.table(header, rows);
        List<String> seedHeader = new ArrayList<>(List.of("method"));
        bySeed.keySet().forEach(s -> seedHeader.add("greedy pass@1, seed " + s));
        doc.heading("Per seed").table(seedHeader, perSeed);
        if (!curves.isEmpty()) {
            boolean logK = curves.values().stream().flatMap(List::stream).mapToDouble(p -> p[0]).max().orElse(1) >= 10;
            doc.heading("Plots").image("pass_at_k_seeds.png", "mean pass@k (%) across seeds",
                    Charts.lines("mean pass@k across " + bySeed.size() + " seeds", "k", "pass@k (%)", curves, logK));
        }
        return doc.write(dir);
    }

    /** The metric of method {@code m} in every seed where it is defined. */
    private static double[] values(Map<Long, List<MethodResult>> bySeed, String m, ToDoubleFunction<Scores> metric) {
        return bySeed.values().stream().flatMap(List::stream).filter(r -> r.method().equals(m))
                .mapToDouble(r -> metric.applyAsDouble(r.scores())).filter(v -> !Double.isNaN(v)).toArray();
    }

    private static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    static String cell(double[] v) {
        if (v.length == 0) return "n/a";
        double mean = mean(v);
        Intervals.Interval ci = Intervals.tMean(v, Intervals.LEVEL);
        if (Double.isNaN(ci.lo())) return Report.pct(mean);
        return String.format(Locale.ROOT, "%.2f%% ± %.2f [%.1f, %.1f]", 100 * mean, 100 * (ci.hi() - mean), 100 * ci.lo(), 100 * ci.hi());
    }
}
