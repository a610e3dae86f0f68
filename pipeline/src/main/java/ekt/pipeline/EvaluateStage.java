package ekt.pipeline;

import ekt.core.ProcessGroup;
import ekt.data.Problem;
import ekt.eval.ExecScoring;
import ekt.eval.Scores;
import ekt.exec.ExecutorPool;
import ekt.exec.ExecRecord;
import ekt.sample.Completer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Scores a model (anything that completes prompts) on an evaluation set the paper's way
 * (paper.md §5): a greedy program per problem, then n sampled programs at temperature T, each
 * truncated, executed and checked. Four resumable stages per method: {@code M-greedy},
 * {@code M-greedy-exec}, {@code M-samples}, {@code M-samples-exec}; the per-problem results go to
 * {@code M-scores.csv}.
 */
public final class EvaluateStage {
    private EvaluateStage() {
    }

    /**
     * A method's scores and the line counts of its first correct program per solved problem.
     *
     * @param scores       per problem: sampled programs, correct ones, greedy result
     * @param programLines non-blank lines of the first correct sampled program of each problem that has one
     */
    public record Result(Scores scores, int[] programLines) {
    }

    /** Runs (or resumes) the four stages of {@code method} on {@code problems} and scores them. */
    public static Result run(RunDirectory run, String method, Completer model, List<Problem> problems, Function<Problem, String> prompt,
                             RunConfig.Evaluation eval, Prompts prompts, ExecutorPool pool, int chunk) {
        Map<String, Problem> byId = byId(problems);
        List<ExecRecord> greedy = null;
        if (eval.greedy()) {
            SampleStage.run(run, method + "-greedy", model, problems, prompt, eval.greedyOptions(), chunk);
            ExecuteStage.run(run, method + "-greedy", method + "-greedy-exec", byId, prompts, pool);
            greedy = ExecuteStage.parts(run, method + "-greedy-exec").readAll();
        }
        SampleStage.run(run, method + "-samples", model, problems, prompt, eval.sampledOptions(), chunk);
        ExecuteStage.run(run, method + "-samples", method + "-samples-exec", byId, prompts, pool);

        ExecScoring.Tally tally = ExecScoring.tally(method, problems.stream().map(Problem::id).toList(),
                ExecuteStage.parts(run, method + "-samples-exec").readAll(), greedy);
        if (ProcessGroup.current().isLeader()) tally.scores().writeCsv(run.root().resolve(method + "-scores.csv"), eval.ks());
        return new Result(tally.scores(), tally.firstCorrect().values().stream().mapToInt(EvaluateStage::lines).toArray());
    }

    static Map<String, Problem> byId(List<Problem> problems) {
        Map<String, Problem> m = new LinkedHashMap<>();
        for (Problem p : problems) m.put(p.id(), p);
        return m;
    }

    private static int lines(String program) {
        return (int) program.lines().filter(l -> !l.isBlank()).count();
    }
}
