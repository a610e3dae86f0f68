package ekt.tokenizer;

import java.nio.file.Path;

/**
 * A tokenizer that cannot be loaded, saved or used as asked. Messages about files name the file and
 * the offending entry, so that a broken model directory can be fixed without a debugger.
 */
public class TokenizerException extends RuntimeException {
    /** @param message what is wrong, naming the file and entry where there is one */
    public TokenizerException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong
     * @param cause   the underlying failure (an I/O or JSON error)
     */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A bad entry of a file: {@code file: entry: problem}. */
    public static TokenizerException inFile(Path file, String entry, String problem) {
        return new TokenizerException(file + ": " + entry + ": " + problem);
    }

    /** A file that cannot be read or parsed as a whole. */
    public static TokenizerException inFile(Path file, String problem, Throwable cause) {
        return new TokenizerException(file + ": " + problem, cause);
    }
}
