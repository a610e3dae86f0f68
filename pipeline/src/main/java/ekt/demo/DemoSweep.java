package ekt.demo;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.eval.Charts;
import ekt.eval.Report;
import ekt.eval.Scores;
import ekt.pipeline.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ekt demo --sweep}: the demo's experiment repeated with the teacher at several training
 * checkpoints (EKT and KD; expert iteration does not depend on the teacher, so its row comes from
 * the demo's own run), to see where filtering a teacher's programs beats distilling its token
 * distributions as the teacher gets stronger. Writes {@code OUT/sweep/report.md} with a table and
 * {@code OUT/sweep/plots/sweep.png}: each method's test pass@1 against the teacher's.
 */
final class DemoSweep {
    private static final List<String> METHODS = List.of("fewshot_teacher", "ekt", "kd");

    private final Demo demo;
    private final DemoOptions options;
    private final Path out;

    DemoSweep(Demo demo, DemoOptions options, Path out) {
        this.demo = demo;
        this.options = options;
        this.out = out;
    }

    /** One teacher checkpoint's results. */
    private record Point(int step, Scores teacher, Scores ekt, Scores kd, int teacherSolved, int trainProblems) {
    }

    String run() {
        Demo.Models models = demo.setup();
        Path mainRun = out.resolve("experiment");
        List<Point> points = new ArrayList<>();
        for (int step : options.sweepSteps()) {
            Path runDir = step == options.teacherStep() ? mainRun : out.resolve("sweep").resolve("step-" + step);
            if (step != options.teacherStep()) demo.experiment(models, step, out.resolve("sweep-step-" + step + ".json"), runDir, METHODS);
            JsonNode select = manifest(runDir).path("stages").path("select").path("counts");
            points.add(new Point(step, scores(runDir, "fewshot_teacher"), scores(runDir, "ekt"), scores(runDir, "kd"),
                    select.path("solved").asInt(), options.trainProblems()));
        }
        Scores ei = scores(mainRun, "ei");
        return report(points, ei);
    }

    private String report(List<Point> points, Scores ei) {
        StringBuilder md = new StringBuilder("# Teacher-strength sweep (seed " + options.seed() + ")\n\n");
        md.append("The demo's experiment with the teacher taken at several training steps (of ")
                .append(options.teacherEpochs()).append(" epochs); ").append(options.teacherSamples())
                .append(" teacher samples per training problem; students scored on the ").append(options.testProblems())
                .append(" test problems with a greedy program and ").append(options.evalSamples())
                .append(" samples at T = ").append(options.temperature()).append(". EI does not use the teacher: one run, from the demo.\n\n");
        md.append("| teacher step | teacher pass@1 | teacher pass@10 | train problems solved by teacher | EKT greedy | EKT pass@1 | KD greedy | KD pass@1 | EI greedy | EI pass@1 |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String s : List.of("teacher (y = x)", "EKT", "KD", "EI")) series.put(s, new ArrayList<>());
        for (Point p : points) {
            double x = p.teacher().passAt(1);
            md.append("| ").append(p.step()).append(" | ").append(Report.pct(x)).append(" | ").append(Report.pct(p.teacher().passAt(10))).append(" | ")
                    .append(p.teacherSolved()).append(" / ").append(p.trainProblems()).append(" | ")
                    .append(Report.pct(p.ekt().greedyPass1())).append(" | ").append(Report.pct(p.ekt().passAt(1))).append(" | ")
                    .append(Report.pct(p.kd().greedyPass1())).append(" | ").append(Report.pct(p.kd().passAt(1))).append(" | ")
                    .append(Report.pct(ei.greedyPass1())).append(" | ").append(Report.pct(ei.passAt(1))).append(" |\n");
            series.get("teacher (y = x)").add(new double[]{x, x});
            series.get("EKT").add(new double[]{x, p.ekt().passAt(1)});
            series.get("KD").add(new double[]{x, p.kd().passAt(1)});
            series.get("EI").add(new double[]{x, ei.passAt(1)});
        }
        for (List<double[]> s : series.values()) s.sort((a, b) -> Double.compare(a[0], b[0]));
        md.append("\n![student pass@1 against the teacher's](plots/sweep.png)\n");
        Path dir = out.resolve("sweep");
        AtomicFiles.write(dir.resolve("plots/sweep.png"), Charts.lines("Student pass@1 by teacher strength", "teacher pass@1 (test)",
                "student pass@1 (test)", series, false));
        AtomicFiles.write(dir.resolve("report.md"), md.toString());
        return md.toString();
    }

    private static Scores scores(Path runDir, String method) {
        return Scores.readCsv(runDir.resolve(method + "-scores.csv"), method);
    }

    private static JsonNode manifest(Path runDir) {
        try {
            return Json.MAPPER.readTree(runDir.resolve("manifest.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + runDir.resolve("manifest.json"), e);
        }
    }
}
