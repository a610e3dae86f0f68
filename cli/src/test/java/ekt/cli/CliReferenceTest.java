package ekt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's CLI reference is picocli's own usage text of every command. After changing an
 * option, regenerate it with
 * {@code mvn -pl cli -am verify -Dtest=CliReferenceTest -Dekt.readme.update=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class CliReferenceTest {
    static final String START = "<!-- cli-reference: generated from picocli by CliReferenceTest; do not edit -->\n";
    static final String END = "<!-- cli-reference end -->";

    @Test
    void readmeHoldsTheGeneratedReference() throws Exception {
        Path readme = Path.of(System.getProperty("ekt.repo.dir", ".."), "README.md");
        String text = Files.readString(readme);
        int start = text.indexOf(START), end = text.indexOf(END);
        assertTrue(start >= 0 && end > start, "README.md has the CLI reference markers");
        String current = text.substring(start + START.length(), end), generated = "\n" + CliReference.markdown();
        if (Boolean.getBoolean("ekt.readme.update") && !current.equals(generated)) {
            Files.writeString(readme, text.substring(0, start + START.length()) + generated + text.substring(end));
            return;
        }
        assertEquals(generated, current, "README's CLI reference is stale: regenerate it (see this test's comment)");
    }
}
