package ekt.eval;

import java.util.List;

/**
 * Everything the report shows for one method (EKT, KD, EI, few-shot teacher, ...). Nullable
 * fields are "not applicable" (a few-shot baseline has no training set or loss curve).
 *
 * @param id               the method's name in the config ({@code ekt}, {@code kd}, {@code fewshot_teacher}, ...)
 * @param method           the row label
 * @param scores           the evaluation on the test problems
 * @param trainingExamples number of (question, program) pairs the student was trained on
 * @param teacherCoverage  fraction of training problems with at least one correct teacher program
 * @param training         the training curves (one per training run; expert iteration has one per round)
 * @param programLines     line counts of the correct evaluation programs (first per problem)
 */
public record MethodResult(String id, String method, Scores scores, Integer trainingExamples, Double teacherCoverage,
                           List<TrainingCurve> training, int[] programLines) {
    /** Copies the lists and arrays; a null training list or program-line array becomes empty. */
    public MethodResult {
        training = training == null ? List.of() : List.copyOf(training);
        programLines = programLines == null ? new int[0] : programLines.clone();
    }
}
