package ekt.pipeline;

import ekt.data.Problem;
import ekt.exec.ExecRecord;

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
    /** The training pairs' file in the stage directory, one {@link Selection.Pair} per line. */
    public static final String FILE = "train.jsonl";

    private SelectStage() {
    }

    /**
     * Selects the training pairs from the execution stage's records and writes them, or returns the
     * file of a stage already done. The manifest gets the counts problems, solved (problems with
     * a correct program) and pairs.
     *
     * @param execStage     the execution stage whose parts hold the checked programs
     * @param problems      the problems in output order; a program of a problem not listed is ignored
     * @param maxPerProblem the most pairs per problem under {@link Selection.Policy#DISTINCT}
     * @return {@code stage/train.jsonl}
     */
    public static Path run(RunDirectory run, String execStage, String stage, List<Problem> problems, Selection.Policy policy, int maxPerProblem) {
        Path out = run.stageDir(stage).resolve(FILE);
        if (run.status(stage) == RunDirectory.Status.DONE) return out;
        run.started(stage);
        Map<String, List<Selection.Candidate>> correct = correctPrograms(ExecuteStage.parts(run, execStage).readAll());
        Map<String, String> questions = new LinkedHashMap<>();
        for (Problem p : problems) questions.put(p.id(), p.question());
        List<Selection.Pair> pairs = Selection.select(questions, correct, policy, maxPerProblem);
        write(out, pairs);
        long solved = problems.stream().filter(p -> correct.containsKey(p.id())).count();
        run.done(stage, Map.of("problems", problems.size(), "solved", solved, "pairs", pairs.size()));
        return out;
    }

    /** Problem id → its correct programs in sample order. */
    public static Map<String, List<Selection.Candidate>> correctPrograms(List<ExecRecord> execRecords) {
        Map<String, List<Selection.Candidate>> out = new LinkedHashMap<>();
        for (ExecRecord r : execRecords)
            if (r.isCorrect())
                out.computeIfAbsent(r.result().id(), k -> new ArrayList<>())
                        .add(new Selection.Candidate(r.result().sample(), r.program()));
        out.values().forEach(l -> l.sort(Comparator.comparingInt(Selection.Candidate::sample)));
        return out;
    }

    /** Writes training pairs atomically. */
    public static void write(Path file, List<Selection.Pair> pairs) {
        AtomicFiles.writeRecords(file, Selection.Pair.CODEC, pairs);
    }

    /** Reads training pairs written by {@link #write}. */
    public static List<Selection.Pair> read(Path file) {
        return Selection.Pair.CODEC.readAll(file);
    }
}
