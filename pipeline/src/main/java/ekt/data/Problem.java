package ekt.data;

import java.util.Objects;

/**
 * One weakly-supervised problem: a question and its known final answer (never a reference
 * program). {@code index} is the 0-based line index within its source file, the paper's task_id.
 */
public record Problem(String id, int index, String question, double answer) {
    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
    }
}
