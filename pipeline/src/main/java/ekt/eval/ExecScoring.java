package ekt.eval;

import ekt.exec.ExecRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scores from execution records {@code {"id", "sample", "correct", "program"?}} (what the
 * evaluation stage and {@code ekt exec} write): per problem, the count n of sampled records and
 * c of correct ones, and whether its greedy record is correct. The evaluation stage of
 * {@code ekt run} and {@code ekt score} both count through here, so samples drawn anywhere are
 * scored exactly as the pipeline scores its own.
 */
public final class ExecScoring {
    private ExecScoring() {
    }

    /**
     * What {@link #tally} counts.
     *
     * @param scores       per problem: sampled records, correct ones, greedy result
     * @param firstCorrect per problem with a correct sampled program, the first one (in record order; "" where the records hold no program)
     */
    public record Tally(Scores scores, Map<String, String> firstCorrect) {
    }

    /**
     * @param ids     the problems, in report order; null for every problem seen in the records, in order of appearance
     * @param sampled the sampled programs' records
     * @param greedy  the greedy programs' records (one per problem), or null when no greedy decode was run
     */
    public static Tally tally(String method, List<String> ids, Iterable<ExecRecord> sampled, Iterable<ExecRecord> greedy) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, String> firstCorrect = new LinkedHashMap<>();
        for (ExecRecord r : sampled) {
            String id = r.result().id();
            int[] nc = counts.computeIfAbsent(id, k -> new int[2]);
            nc[0]++;
            if (r.isCorrect()) {
                nc[1]++;
                firstCorrect.putIfAbsent(id, r.program() == null ? "" : r.program());
            }
        }
        Map<String, Boolean> greedyCorrect = null;
        if (greedy != null) {
            greedyCorrect = new LinkedHashMap<>();
            for (ExecRecord r : greedy) greedyCorrect.putIfAbsent(r.result().id(), r.isCorrect());
        }
        Set<String> order = new LinkedHashSet<>();
        if (ids != null) order.addAll(ids);
        else {
            order.addAll(counts.keySet());
            if (greedyCorrect != null) order.addAll(greedyCorrect.keySet());
        }
        List<ProblemScore> scores = new ArrayList<>();
        for (String id : order) {
            int[] nc = counts.getOrDefault(id, new int[2]);
            scores.add(new ProblemScore(id, nc[0], nc[1], greedyCorrect == null ? null : greedyCorrect.getOrDefault(id, false)));
        }
        return new Tally(new Scores(method, scores), firstCorrect);
    }
}
