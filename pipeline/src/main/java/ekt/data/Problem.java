package ekt.data;

import java.util.Objects;

/**
 * One weakly-supervised problem: a question and its known final answer (never a reference
 * program).
 *
 * @param id       unique name of the problem (the record's {@code id}, or a prefix plus index)
 * @param index    0-based record index within its source file, the paper's task_id
 * @param question the problem text
 * @param answer   the known final answer
 */
public record Problem(String id, int index, String question, double answer) {
    /** @throws NullPointerException if id or question is null */
    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
    }
}
