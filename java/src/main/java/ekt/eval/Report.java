package ekt.eval;

import ekt.pipeline.AtomicFiles;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The run's Markdown report (report.md) and its PNG plots (plots/*.png). Every number in it is
 * computed here from the evaluated scores passed in; nothing is typed in by hand.
 */
public final class Report {
    private Report() {
    }

    /**
     * @param teacherMethod name of the method whose solved set counts as "the teacher's" (or null)
     * @param notes         lines about how the run was done (scored checkpoints, prompt truncation), listed under the table
     * @param configJson    the run config, reproduced at the end
     */
    public static String write(Path runDir, String title, String evalSetName, List<MethodResult> results, String teacherMethod,
                               Set<String> teacherSolvedOnTrain, List<String> notes, String configJson) {
        Path plots = runDir.resolve("plots");
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        int problems = results.isEmpty() ? 0 : results.get(0).scores().problems().size();
        md.append("Evaluated on ").append(evalSetName).append(" (").append(problems).append(" problems). ")
                .append("pass@k is the unbiased estimator over the drawn samples; greedy pass@1 decodes with temperature 0.\n\n");
        md.append("| method | greedy pass@1 | pass@1 | pass@10 | pass@100 | training examples | teacher coverage |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (MethodResult r : results) {
            Scores s = r.scores();
            md.append("| ").append(r.method()).append(" | ").append(pct(s.greedyPass1()))
                    .append(" | ").append(pct(s.passAt(1))).append(" | ").append(pct(s.passAt(10)))
                    .append(" | ").append(pct(s.passAt(100))).append(" | ")
                    .append(r.trainingExamples() == null ? "–" : r.trainingExamples().toString()).append(" | ")
                    .append(r.teacherCoverage() == null ? "–" : pct(r.teacherCoverage())).append(" |\n");
        }
        md.append("\nTraining examples: the (question, program) pairs the method's student was fine-tuned on. Teacher coverage: the share of ")
                .append("training problems with at least one correct program in the method's source (the teacher's samples for EKT and KD, ")
                .append("the student's own samples over all rounds for expert iteration).\n\n");
        for (String note : notes) md.append("- ").append(note).append("\n");
        if (!notes.isEmpty()) md.append("\n");
        appendBeyondTeacher(md, results, teacherMethod);
        if (teacherSolvedOnTrain != null)
            md.append("The teacher solved ").append(teacherSolvedOnTrain.size()).append(" training problems (the training set of EKT and KD).\n\n");

        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        Map<String, int[]> lengths = new LinkedHashMap<>();
        Map<String, List<double[]>> losses = new LinkedHashMap<>();
        for (MethodResult r : results) {
            List<double[]> pts = new java.util.ArrayList<>();
            for (int k : Scores.DEFAULT_K) if (!Double.isNaN(r.scores().passAt(k))) pts.add(new double[]{k, r.scores().passAt(k)});
            if (!pts.isEmpty()) curves.put(r.method(), pts);
            if (r.programLines().length > 0) lengths.put(r.method(), r.programLines());
            if (!r.loss().isEmpty()) losses.put(r.method(), r.loss());
        }
        md.append("## Plots\n\n");
        if (!curves.isEmpty()) plot(md, plots, "pass_at_k.png", "pass@k by method", Charts.lines("pass@k on " + evalSetName, "k", "pass@k", curves, true));
        if (!lengths.isEmpty()) plot(md, plots, "program_lengths.png", "length of correct programs",
                Charts.histogram("Correct program length", "lines", lengths));
        if (!losses.isEmpty()) plot(md, plots, "training_loss.png", "training loss", Charts.lines("Training loss", "step", "loss", losses, false));
        md.append("## Config\n\n```json\n").append(configJson).append("\n```\n");
        AtomicFiles.write(runDir.resolve("report.md"), md.toString());
        return md.toString();
    }

    private static void appendBeyondTeacher(StringBuilder md, List<MethodResult> results, String teacherMethod) {
        MethodResult teacher = results.stream().filter(r -> r.method().equals(teacherMethod)).findFirst().orElse(null);
        if (teacher == null) return;
        Set<String> taught = teacher.scores().solved();
        md.append("Problems solved by each method that the teacher (").append(teacherMethod).append(") never solved:\n\n");
        for (MethodResult r : results) {
            if (r == teacher) continue;
            Set<String> beyond = new TreeSet<>(r.scores().solved());
            beyond.removeAll(taught);
            md.append("- ").append(r.method()).append(": ").append(beyond.size());
            if (!beyond.isEmpty()) md.append(" (").append(String.join(", ", beyond.stream().limit(10).toList()))
                    .append(beyond.size() > 10 ? ", ..." : "").append(")");
            md.append("\n");
        }
        md.append("\n");
    }

    private static void plot(StringBuilder md, Path dir, String file, String alt, byte[] png) {
        AtomicFiles.write(dir.resolve(file), png);
        md.append("![").append(alt).append("](plots/").append(file).append(")\n\n");
    }

    /** A fraction as a percentage with two decimals; NaN (not available) as "n/a". */
    public static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format("%.2f%%", 100 * v);
    }
}
