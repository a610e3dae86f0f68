package ekt.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A run's report: {@code report.md} with its PNG plots and the same content as one self-contained
 * {@code report.html}. Every number is computed here from the evaluated scores and the manifest;
 * nothing is typed in by hand. Sections are added by the setters before {@link #write}.
 */
public final class Report {
    private final String title, evalSetName;
    private final List<MethodResult> results;
    private final int[] ks;
    private String teacherId;
    private Set<String> teacherSolvedOnTrain;
    private JsonNode stages;
    private String configJson;
    private List<String> notes = List.of();

    /** @param ks the k of pass@k to show (the config's {@code evaluation.k}); those above the sample count show n/a */
    public Report(String title, String evalSetName, List<MethodResult> results, int[] ks) {
        this.title = title;
        this.evalSetName = evalSetName;
        this.results = List.copyOf(results);
        this.ks = ks.clone();
    }

    /** The method counted as "the teacher" (its id) and the training problems the teacher solved. */
    public Report teacher(String id, Set<String> solvedOnTrain) {
        this.teacherId = id;
        this.teacherSolvedOnTrain = solvedOnTrain;
        return this;
    }

    /** The manifest's {@code stages} object, for the timing table. */
    public Report timing(JsonNode manifestStages) {
        this.stages = manifestStages;
        return this;
    }

    /** Lines about how the run was done (scored checkpoints, prompt truncation), listed under the table. */
    public Report notes(List<String> lines) {
        this.notes = List.copyOf(lines);
        return this;
    }

    /** The run config, reproduced at the end. */
    public Report config(String json) {
        this.configJson = json;
        return this;
    }

    /** Writes report.md, report.html and plots/ into {@code dir}; returns the Markdown. */
    public String write(Path dir) {
        return document().write(dir);
    }

    ReportDocument document() {
        ReportDocument doc = new ReportDocument(title);
        int problems = results.isEmpty() ? 0 : results.get(0).scores().problems().size();
        doc.paragraph("Evaluated on " + evalSetName + " (" + problems + " problems). pass@k is the unbiased estimator over the drawn "
                + "samples; greedy pass@1 decodes with temperature 0. In brackets: the 95% interval, exact (Clopper-Pearson) for "
                + "greedy pass@1 and a percentile bootstrap over problems (" + Intervals.RESAMPLES + " resamples) for sampled pass@k.");
        doc.table(resultsHeader(), results.stream().map(this::resultsRow).toList());
        doc.paragraph("Training examples: the (question, program) pairs the method's student was fine-tuned on. Teacher coverage: the "
                + "share of training problems with at least one correct program in the method's source (the teacher's samples for EKT "
                + "and KD, the student's own samples over all rounds for expert iteration).");
        if (!notes.isEmpty()) doc.paragraph(String.join("\n", notes.stream().map(n -> "- " + n).toList()));
        differences(doc);
        beyondTeacher(doc);
        if (teacherSolvedOnTrain != null)
            doc.paragraph("The teacher solved " + teacherSolvedOnTrain.size() + " training problems (the training set of EKT and KD).");
        plots(doc);
        if (stages != null) timingTable(doc);
        if (configJson != null) doc.heading("Config").code("json", configJson);
        return doc;
    }

    private List<String> resultsHeader() {
        List<String> h = new ArrayList<>(List.of("method", "greedy pass@1"));
        for (int k : ks) h.add("pass@" + k);
        h.addAll(List.of("training examples", "teacher coverage"));
        return h;
    }

    private List<String> resultsRow(MethodResult r) {
        Scores s = r.scores();
        List<String> row = new ArrayList<>(List.of(r.method(), withInterval(s.greedyPass1(), s.greedyInterval())));
        for (int k : ks) row.add(withInterval(s.passAt(k), s.passAtInterval(k)));
        row.add(r.trainingExamples() == null ? "–" : r.trainingExamples().toString());
        row.add(r.teacherCoverage() == null ? "–" : pct(r.teacherCoverage()));
        return row;
    }

    /** Each method against EKT on the same problems: exact McNemar for greedy, paired bootstrap for pass@k. */
    private void differences(ReportDocument doc) {
        MethodResult ekt = results.stream().filter(r -> r.id().equals("ekt")).findFirst().orElse(null);
        if (ekt == null || results.size() < 2) return;
        List<String> header = new ArrayList<>(List.of("method", "greedy pass@1"));
        for (int k : ks) header.add("pass@" + k);
        List<List<String>> rows = new ArrayList<>();
        for (MethodResult r : results) {
            if (r == ekt) continue;
            Map<String, ProblemScore> theirs = new HashMap<>();
            r.scores().problems().forEach(p -> theirs.put(p.id(), p));
            List<ProblemScore[]> pairs = new ArrayList<>();
            for (ProblemScore p : ekt.scores().problems()) if (theirs.containsKey(p.id())) pairs.add(new ProblemScore[]{theirs.get(p.id()), p});
            List<String> row = new ArrayList<>(List.of(r.method(), greedyDifference(pairs)));
            for (int k : ks) row.add(passAtDifference(pairs, k));
            rows.add(row);
        }
        doc.heading("Difference from EKT").paragraph("Each method minus EKT in percentage points, paired over the problems both were "
                + "scored on; p: two-sided, exact McNemar test for greedy pass@1, paired bootstrap over problems for pass@k.");
        doc.table(header, rows);
    }

    private static String greedyDifference(List<ProblemScore[]> pairs) {
        int onlyThem = 0, onlyEkt = 0, n = 0;
        for (ProblemScore[] p : pairs) {
            if (p[0].greedyCorrect() == null || p[1].greedyCorrect() == null) continue;
            n++;
            if (p[0].greedyCorrect() && !p[1].greedyCorrect()) onlyThem++;
            if (!p[0].greedyCorrect() && p[1].greedyCorrect()) onlyEkt++;
        }
        if (n == 0) return "n/a";
        return difference(100.0 * (onlyThem - onlyEkt) / n, Intervals.mcNemarP(onlyThem, onlyEkt));
    }

    private static String passAtDifference(List<ProblemScore[]> pairs, int k) {
        if (pairs.isEmpty() || pairs.stream().anyMatch(p -> p[0].n() < k || p[1].n() < k)) return "n/a";
        double[] a = pairs.stream().mapToDouble(p -> p[0].passAt(k)).toArray(), b = pairs.stream().mapToDouble(p -> p[1].passAt(k)).toArray();
        double diff = 100 * (Arrays.stream(a).average().orElse(0) - Arrays.stream(b).average().orElse(0));
        return difference(diff, Intervals.pairedBootstrapP(a, b));
    }

    private static String difference(double pp, double p) {
        return String.format(Locale.ROOT, "%+.2f pp (p = %s)", pp, p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p));
    }

    private void beyondTeacher(ReportDocument doc) {
        MethodResult teacher = results.stream().filter(r -> r.id().equals(teacherId)).findFirst().orElse(null);
        if (teacher == null) return;
        Set<String> taught = teacher.scores().solved();
        StringBuilder list = new StringBuilder();
        for (MethodResult r : results) {
            if (r == teacher) continue;
            Set<String> beyond = new TreeSet<>(r.scores().solved());
            beyond.removeAll(taught);
            list.append("- ").append(r.method()).append(": ").append(beyond.size());
            if (!beyond.isEmpty()) list.append(" (").append(String.join(", ", beyond.stream().limit(10).toList()))
                    .append(beyond.size() > 10 ? ", ..." : "").append(")");
            list.append('\n');
        }
        doc.paragraph("Problems solved by each method that the " + teacher.method() + " row never solved:");
        if (list.length() > 0) doc.paragraph(list.toString().strip());
    }

    private void plots(ReportDocument doc) {
        Map<String, List<double[]>> passCurves = new LinkedHashMap<>();
        Map<String, int[]> lengths = new LinkedHashMap<>();
        Map<String, List<double[]>> ce = new LinkedHashMap<>(), kl = new LinkedHashMap<>(), dev = new LinkedHashMap<>();
        for (MethodResult r : results) {
            List<double[]> pts = new ArrayList<>();
            for (int k : ks) if (!Double.isNaN(r.scores().passAt(k))) pts.add(new double[]{k, 100 * r.scores().passAt(k)});
            if (!pts.isEmpty()) passCurves.put(r.method(), pts);
            if (r.programLines().length > 0) lengths.put(r.method(), r.programLines());
            for (TrainingCurve c : r.training()) {
                ce.put(c.label(), c.points().stream().map(p -> new double[]{p[0], p[2]}).toList());
                dev.put(c.label(), c.dev().stream().map(p -> new double[]{p[0], 100 * p[1]}).toList());
                if (c.hasKl()) kl.put(c.label(), c.points().stream().map(p -> new double[]{p[0], p[3]}).toList());
            }
        }
        doc.heading("Plots");
        boolean logK = passCurves.values().stream().flatMap(List::stream).mapToDouble(p -> p[0]).max().orElse(1) >= 10;
        if (!passCurves.isEmpty())
            doc.image("pass_at_k.png", "pass@k (%) by method", Charts.lines("pass@k on " + evalSetName, "k", "pass@k (%)", passCurves, logK));
        if (!lengths.isEmpty())
            doc.image("program_lengths.png", "length of correct programs", Charts.histogram("Correct program length", "lines", lengths));
        if (!ce.isEmpty()) {
            String note = kl.isEmpty() ? "" : " (KD: its cross-entropy term; the KL term is plotted below)";
            doc.image("training_loss.png", "training cross-entropy per training run" + note
                            + (dev.values().stream().allMatch(List::isEmpty) ? "" : ", squares: dev-set greedy pass@1 (%)"),
                    Charts.training("Training cross-entropy" + (kl.isEmpty() ? "" : " (KD: CE term only)"), ce, dev));
        }
        if (!kl.isEmpty())
            doc.image("kd_kl.png", "KD's KL(teacher || student) term", Charts.lines("KD: KL(teacher || student) term", "step", "KL", kl, false));
    }

    /** Wall time and throughput of every stage, from the manifest's start and end times and counts. */
    private void timingTable(ReportDocument doc) {
        List<List<String>> rows = new ArrayList<>();
        stages.fields().forEachRemaining(e -> {
            JsonNode s = e.getValue(), counts = s.path("counts");
            if (!s.has("started") || !s.has("finished")) return;
            double seconds = Duration.between(Instant.parse(s.get("started").asText()), Instant.parse(s.get("finished").asText())).toMillis() / 1e3;
            long items = counts.has("programs") ? counts.get("programs").asLong() : counts.path("samples").asLong(0);
            String work = counts.has("programs") ? items + " programs" : counts.has("samples") ? items + " samples"
                    : counts.has("steps") ? counts.get("steps").asLong() + " steps" : "–";
            rows.add(List.of(e.getKey(), ekt.util.Progress.clock(seconds), work,
                    counts.has("tokens") && seconds > 0 ? String.format(Locale.ROOT, "%.0f", counts.get("tokens").asDouble() / seconds) : "–",
                    items > 0 && seconds > 0 ? String.format(Locale.ROOT, "%.1f", items / seconds) : "–"));
        });
        if (rows.isEmpty()) return;
        doc.heading("Timing").paragraph("Per stage, from manifest.json: wall time from the stage's first start to its end (a resumed "
                + "stage includes the time it was stopped); tokens/s counts generated tokens for sampling and computed positions for "
                + "training; programs/s counts samples for sampling stages and executed programs for execution stages.");
        doc.table(List.of("stage", "wall time", "work", "tokens/s", "programs/s"), rows);
    }

    static String withInterval(double v, Intervals.Interval ci) {
        if (Double.isNaN(v)) return "n/a";
        if (Double.isNaN(ci.lo())) return pct(v);
        return pct(v) + String.format(Locale.ROOT, " [%.1f, %.1f]", 100 * ci.lo(), 100 * ci.hi());
    }

    /** A fraction as a percentage with two decimals; NaN (not available) as "n/a". */
    public static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
