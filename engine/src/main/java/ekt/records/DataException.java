package ekt.records;

import java.nio.file.Path;

/** A malformed input record: names the file, the 1-based line and what is wrong. */
public class DataException extends RuntimeException {
    private final Path file;
    private final long line;

    public DataException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public DataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.line = 0;
    }

    public Path file() {
        return file;
    }

    public long line() {
        return line;
    }
}
