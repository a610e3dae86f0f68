package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.records.DataException;
import ekt.records.Jsonl;
import ekt.eval.ExecScoring;
import ekt.exec.ExecRecord;
import ekt.exec.ExecRecords;
import ekt.eval.ProblemScore;
import ekt.eval.Report;
import ekt.eval.Scores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ekt score}: greedy pass@1 and the unbiased pass@k (paper.md §5) of execution records
 * from anywhere ({@code ekt exec}, a run's {@code M-samples-exec} parts, another engine's samples
 * executed here), counted by the same class as the pipeline's evaluation stage. A k above some
 * problem's sample count is reported as not available, with how many problems fall short.
 */
@Command(name = "score", description = "Score execution records: greedy pass@1 and unbiased pass@k (paper.md §5).")
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--exec", required = true, description = "sampled programs' execution records: JSONL {id, sample, correct}")
    Path exec;
    @Option(names = "--greedy", description = "greedy programs' execution records (one per problem), for greedy pass@1")
    Path greedy;
    @Option(names = "--k", split = ",", defaultValue = "1,10,100", description = "k values (default: ${DEFAULT-VALUE})")
    List<Integer> k;
    @Option(names = "--csv", description = "per-problem CSV (id, n, c, greedy_correct, pass@k), as ekt run writes M-scores.csv")
    Path csv;
    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Override
    public Integer call() {
        for (int v : k) if (v < 1) throw new IllegalArgumentException("--k: every k must be >= 1, got " + v);
        Scores scores = ExecScoring.tally("score", null, records(exec), greedy == null ? null : records(greedy)).scores();
        int[] ks = k.stream().mapToInt(Integer::intValue).toArray();
        if (csv != null) scores.writeCsv(csv, ks);
        ObjectNode out = summary(scores, ks);
        System.out.println(json ? out.toPrettyString() : text(out));
        return 0;
    }

    /** The result records of a file (as {@code ekt exec} writes them); every one needs a checked label. */
    private static List<ExecRecord> records(Path file) {
        List<ExecRecord> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(file)) {
            ExecRecord r = ExecRecords.CODEC.read(file, line);
            if (r.result().correct() == null)
                throw new DataException(file, line.number(), "field 'correct' must be true or false (execute with an 'answer' per program)");
            out.add(r);
        }
        return out;
    }

    static ObjectNode summary(Scores scores, int[] ks) {
        List<ProblemScore> problems = scores.problems();
        ObjectNode o = Json.object().put("problems", problems.size()).put("samples", problems.stream().mapToLong(ProblemScore::n).sum())
                .put("min_samples", problems.stream().mapToInt(ProblemScore::n).min().orElse(0));
        if (Double.isNaN(scores.greedyPass1())) o.putNull("greedy_pass1");
        else o.put("greedy_pass1", scores.greedyPass1());
        ObjectNode pass = o.putObject("pass_at_k");
        for (int k : ks) {
            ObjectNode e = pass.putObject(Integer.toString(k));
            double v = scores.passAt(k);
            if (Double.isNaN(v)) e.putNull("value");
            else e.put("value", v);
            e.put("problems_with_fewer_samples", problems.stream().filter(p -> p.n() < k).count());
        }
        return o;
    }

    private static String text(ObjectNode o) {
        StringBuilder s = new StringBuilder(String.format("%d problems, %d samples (at least %d per problem)%n", o.get("problems").asInt(),
                o.get("samples").asLong(), o.get("min_samples").asInt()));
        s.append("greedy pass@1: ").append(o.get("greedy_pass1").isNull() ? "n/a (no --greedy records)" : Report.pct(o.get("greedy_pass1").asDouble()));
        o.get("pass_at_k").fields().forEachRemaining(e -> {
            s.append(String.format("%npass@%s: ", e.getKey()));
            JsonNode v = e.getValue();
            if (v.get("value").isNull()) s.append("n/a (").append(v.get("problems_with_fewer_samples").asLong())
                    .append(" problems have fewer than ").append(e.getKey()).append(" samples)");
            else s.append(Report.pct(v.get("value").asDouble()));
        });
        return s.toString();
    }
}
