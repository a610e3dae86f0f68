package ekt.exec;

import java.nio.file.Path;

/**
 * Settings of an {@link ExecutorPool}; immutable, changed with the {@code with*} methods.
 *
 * @param python          the interpreter (default {@code /usr/bin/python3}: a system interpreter whose
 *                        files the unprivileged children can read)
 * @param workers         worker processes, each with its own supervisor and warm child
 * @param batchSize       programs per round-trip to a worker
 * @param programsPerFork programs one warm child may run before it is replaced; 1 gives every program
 *                        its own freshly forked process (slower, strongest isolation)
 * @param timeoutMs       CPU-time limit per program
 * @param wallTimeoutMs   wall-clock backstop per program (for programs that sleep or block)
 * @param memoryMb        address-space limit (RLIMIT_AS) of a child, interpreter included
 * @param fileSizeMb      largest file a program may write (RLIMIT_FSIZE), and the size of the private
 *                        tmpfs that holds the children's directories (all of one worker's files together)
 * @param outputLimit     characters of printed output kept per result; 0 discards all output
 * @param answerVariable  the global variable that holds a program's answer
 * @param checker         how answers are compared with labels
 */
public record ExecConfig(Path python, int workers, int batchSize, int programsPerFork, long timeoutMs,
                         long wallTimeoutMs, int memoryMb, int fileSizeMb, int outputLimit,
                         String answerVariable, AnswerChecker checker) {
    /** The interpreter when none is configured. */
    public static final Path DEFAULT_PYTHON = Path.of("/usr/bin/python3");

    /**
     * Checks the settings.
     *
     * @throws NullPointerException     if python, answerVariable or checker is null
     * @throws IllegalArgumentException for a non-positive count or limit, a wall-clock backstop below
     *                                  the CPU limit, less than 64 MiB of memory, or an answer variable
     *                                  that is not a Python identifier
     */
    public ExecConfig {
        java.util.Objects.requireNonNull(python, "python");
        java.util.Objects.requireNonNull(answerVariable, "answerVariable");
        java.util.Objects.requireNonNull(checker, "checker");
        positive("workers", workers);
        positive("batchSize", batchSize);
        positive("programsPerFork", programsPerFork);
        positive("timeoutMs", timeoutMs);
        if (wallTimeoutMs < timeoutMs) throw new IllegalArgumentException("wallTimeoutMs must be >= timeoutMs");
        if (memoryMb < 64) throw new IllegalArgumentException("memoryMb must be >= 64 (the interpreter needs ~30 MiB)");
        positive("fileSizeMb", fileSizeMb);
        if (outputLimit < 0) throw new IllegalArgumentException("outputLimit must be >= 0");
        if (!answerVariable.matches("[A-Za-z_][A-Za-z0-9_]*"))
            throw new IllegalArgumentException("answerVariable must be a Python identifier: " + answerVariable);
    }

    /** One worker per core, 1 s CPU per program, 512 MiB, strict checking. */
    public static ExecConfig defaults() {
        return new ExecConfig(DEFAULT_PYTHON, Runtime.getRuntime().availableProcessors(), 64, 1000, 1000,
                defaultWall(1000), 512, 16, 0, "answer", AnswerChecker.STRICT);
    }

    /** Three times the CPU limit plus a second: a loaded machine slows a program, it does not stop it. */
    private static long defaultWall(long timeoutMs) {
        return 3 * timeoutMs + 1000;
    }

    /** @return these settings with another interpreter */
    public ExecConfig withPython(Path p) {
        return new ExecConfig(p, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with {@code n} worker processes */
    public ExecConfig withWorkers(int n) {
        return new ExecConfig(python, n, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with {@code n} programs per round-trip to a worker */
    public ExecConfig withBatchSize(int n) {
        return new ExecConfig(python, workers, n, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with {@code n} programs per warm child (1 = a fresh process per program) */
    public ExecConfig withProgramsPerFork(int n) {
        return new ExecConfig(python, workers, batchSize, n, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** Sets the CPU limit and resets the wall-clock backstop to its default for that limit. */
    public ExecConfig withTimeoutMs(long ms) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, ms, Math.max(ms, defaultWall(ms)), memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with another wall-clock backstop per program, in milliseconds (at least the CPU limit) */
    public ExecConfig withWallTimeoutMs(long ms) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, ms, memoryMb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with another address-space limit per child, in MiB */
    public ExecConfig withMemoryMb(int mb) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, mb, fileSizeMb, outputLimit, answerVariable, checker);
    }

    /** @return these settings with another file-size and tmpfs limit, in MiB */
    public ExecConfig withFileSizeMb(int mb) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, mb, outputLimit, answerVariable, checker);
    }

    /** @return these settings keeping the first {@code chars} characters of output per result (0 = none) */
    public ExecConfig withOutputLimit(int chars) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, chars, answerVariable, checker);
    }

    /** @return these settings reading the answer from the global variable {@code name} */
    public ExecConfig withAnswerVariable(String name) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, name, checker);
    }

    /** @return these settings comparing answers with labels by {@code c} */
    public ExecConfig withChecker(AnswerChecker c) {
        return new ExecConfig(python, workers, batchSize, programsPerFork, timeoutMs, wallTimeoutMs, memoryMb, fileSizeMb, outputLimit, answerVariable, c);
    }

    private static void positive(String name, long value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
}
