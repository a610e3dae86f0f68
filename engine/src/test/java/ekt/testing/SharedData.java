package ekt.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files under ../shared (never copied into the repository); tests skip with a message when absent. */
public final class SharedData {
    private SharedData() {
    }

    public static Path dir() {
        return Path.of(System.getProperty("ekt.shared.dir", "../shared")).toAbsolutePath().normalize();
    }

    /** The file, or a skipped test naming what is missing. */
    public static Path require(String relative) {
        Path p = dir().resolve(relative);
        Assumptions.assumeTrue(Files.isRegularFile(p), "skipped: shared data file " + p + " is absent");
        return p;
    }
}
