package ekt.records;

import java.nio.file.Path;

/**
 * A malformed input record: names the file, the 1-based line and what is wrong. Bad input, so an
 * {@link IllegalArgumentException}: commands report it as they report any bad argument.
 */
public class DataException extends IllegalArgumentException {
    private final Path file;
    private final long line;

    /**
     * A bad record: the message is {@code file:line: problem}.
     *
     * @param line 1-based line number
     */
    public DataException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
    }

    /**
     * A file that cannot be read or used as a whole: the message is {@code file: problem}.
     *
     * @param cause the underlying failure, or null
     */
    public DataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.line = 0;
    }

    /** @return the file the problem is in */
    public Path file() {
        return file;
    }

    /** @return the 1-based line of the bad record, or 0 when the problem concerns the whole file */
    public long line() {
        return line;
    }
}
