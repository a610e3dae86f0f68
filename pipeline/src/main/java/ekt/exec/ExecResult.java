package ekt.exec;

/**
 * The outcome of one program.
 *
 * @param id      the program's problem id
 * @param sample  the program's sample index within its problem
 * @param status  how the run ended
 * @param value   the answer variable's value; null unless {@code status} is OK
 * @param correct whether the value matches the program's label under the pool's checker; null
 *                when the program had no label
 * @param error   "Type: message" for ERROR, the reason for TIMEOUT, MEMORY and KILLED; else null
 * @param output  the first characters the program printed (stdout and stderr together), when the
 *                pool captures output ({@link ExecConfig#outputLimit()} &gt; 0); else null
 */
public record ExecResult(String id, int sample, ExecStatus status, AnswerValue value, Boolean correct,
                         String error, String output) {

    /** Whether the program produced a correct answer (false when it had no label). */
    public boolean isCorrect() {
        return Boolean.TRUE.equals(correct);
    }
}
