package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Jsonl;
import ekt.data.Problem;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns execution results into training pairs ({@code select/train.jsonl}: id, sample, prompt,
 * completion) with the configured policy, and records how many problems the teacher solved.
 */
public final class SelectStage {
    public static final String FILE = "train.jsonl";

    private SelectStage() {
    }

    public static Path run(RunDirectory run, String execStage, String stage, List<Problem> problems, Selection.Policy policy, int maxPerProblem) {
        Path out = run.stageDir(stage).resolve(FILE);
        if (run.status(stage) == RunDirectory.Status.DONE) return out;
        run.started(stage);
        Map<String, List<Selection.Candidate>> correct = correctPrograms(new Parts(run.stageDir(execStage)).readAll());
        Map<String, String> questions = new LinkedHashMap<>();
        for (Problem p : problems) questions.put(p.id(), p.question());
        List<Selection.Pair> pairs = Selection.select(questions, correct, policy, maxPerProblem);
        write(out, pairs);
        long solved = problems.stream().filter(p -> correct.containsKey(p.id())).count();
        run.done(stage, Map.of("problems", problems.size(), "solved", solved, "pairs", pairs.size()));
        return out;
    }

    /** Problem id → its correct programs in sample order. */
    public static Map<String, List<Selection.Candidate>> correctPrograms(List<JsonNode> execRecords) {
        Map<String, List<Selection.Candidate>> out = new LinkedHashMap<>();
        for (JsonNode r : execRecords)
            if (r.path("correct").asBoolean(false))
                out.computeIfAbsent(r.get("id").asText(), k -> new ArrayList<>())
                        .add(new Selection.Candidate(r.get("sample").asInt(), r.get("program").asText()));
        out.values().forEach(l -> l.sort(Comparator.comparingInt(Selection.Candidate::sample)));
        return out;
    }

    public static void write(Path file, List<Selection.Pair> pairs) {
        AtomicFiles.writeJsonl(file, pairs.stream().map(p -> Json.object().put("id", p.id()).put("sample", p.sample())
                .put("prompt", p.prompt()).put("completion", p.completion())).toList());
    }

    public static List<Selection.Pair> read(Path file) {
        List<Selection.Pair> out = new ArrayList<>();
        for (Jsonl.Line l : Jsonl.readStrict(file)) {
            JsonNode v = l.value();
            out.add(new Selection.Pair(v.get("id").asText(), v.path("sample").asInt(), v.get("prompt").asText(), v.get("completion").asText()));
        }
        return out;
    }
}
