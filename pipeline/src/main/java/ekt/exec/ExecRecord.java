package ekt.exec;

/**
 * One line of execution output: a program's result and, where the writer keeps it, the program
 * itself (the pipeline's execution stages do, so selection reads one stage only; {@code ekt exec}
 * does not). Read and written by {@link ExecRecords#CODEC}.
 *
 * @param result  the program's outcome
 * @param program the executed (truncated) program, or null when not recorded
 */
public record ExecRecord(ExecResult result, String program) {
    /** Whether the program produced a correct answer. */
    public boolean isCorrect() {
        return result.isCorrect();
    }
}
