package ekt.eval;

import java.util.List;

/**
 * Everything the report shows for one method (EKT, KD, EI, few-shot teacher, ...). Nullable
 * fields are "not applicable" (a few-shot baseline has no training set or loss curve).
 *
 * @param trainingExamples number of (question, program) pairs the student was trained on
 * @param teacherCoverage  fraction of training problems with at least one correct teacher program
 * @param loss             (step, loss) points of the training run
 * @param programLines     line counts of the correct evaluation programs (first per problem)
 */
public record MethodResult(String method, Scores scores, Integer trainingExamples, Double teacherCoverage,
                           List<double[]> loss, int[] programLines) {
    public MethodResult {
        loss = loss == null ? List.of() : List.copyOf(loss);
        programLines = programLines == null ? new int[0] : programLines.clone();
    }
}
