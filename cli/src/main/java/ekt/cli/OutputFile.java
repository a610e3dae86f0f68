package ekt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rules every command that writes an output file follows, so that no command destroys its
 * inputs or earlier results: an output that is one of the inputs (same file, through a link or a
 * hard link) is refused; an existing, non-empty output is appended to only with {@code --resume}
 * and replaced only with {@code --overwrite}.
 */
final class OutputFile {
    private OutputFile() {
    }

    /**
     * Checks {@code out} against the inputs, named by their option ({@code "--in"}); throws
     * {@link IllegalArgumentException} with the reason before anything is written.
     */
    static void check(Path out, boolean resume, boolean overwrite, String inputOption, Path input) throws IOException {
        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        if (!Files.exists(out)) return;
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory, not a file");
        if (Files.exists(input) && Files.isSameFile(out, input))
            throw new IllegalArgumentException("--out " + out + " is the " + inputOption + " file " + input
                    + " (or a link to it): refusing to write over an input");
        if (!resume && !overwrite && Files.size(out) > 0)
            throw new IllegalArgumentException("--out " + out + " already exists (" + Files.size(out)
                    + " bytes): pass --resume to continue it or --overwrite to replace it");
    }
}
